@testable import Mesh
import Testing

/// Above the full-mesh limit (simulated, 40 members): each node keeps a stable random eight
/// links plus its configured peer, retires the rest without anyone taking that for a failure,
/// and failures are still found everywhere through the linked members and gossip.
@Suite("Sparse mesh (simulated)")
struct SparseMeshTests {
    /// 40 members that were each given only the hub (node-0) as a configured peer: 30 join
    /// and form a full mesh, then 10 more join and the mesh goes sparse.
    static func grown() async -> SimulatedMesh {
        let mesh = SimulatedMesh(count: 40)
        for (index, id) in mesh.ids.enumerated() where id != "node-0" {
            mesh.pinned[id] = ["node-0"]
            mesh.link(id, "node-0")
            if index == 29 {
                await mesh.run(for: .seconds(10))
                #expect(mesh.ids.prefix(30).allSatisfy { mesh.links[$0]!.count == 29 }, "the first 30 form a full mesh")
            }
        }
        // Learn everyone, then past the idle limit, so the full-mesh leftovers are retired.
        await mesh.run(for: .seconds(70))
        return mesh
    }

    @Test func fortyMembersKeepEightChosenLinksEachAndNoFalseSuspicion() async {
        let mesh = await Self.grown()
        for observer in mesh.ids {
            #expect(mesh.nodes[observer]!.members.count == 40, "\(observer) knows \(mesh.nodes[observer]!.members.count)")
            #expect(mesh.ids.allSatisfy { mesh.state(of: $0, at: observer) == .alive })
        }
        for id in mesh.ids where id != "node-0" {
            let chosen = mesh.policies[id]!.chosen
            #expect(chosen.count == 8, "\(id) chose \(chosen.sorted())")
            // What it dialed is what it chose (plus its configured peer), not the full mesh.
            #expect(mesh.outbound(of: id).isSubset(of: chosen.union(["node-0"])), "\(id) dials \(mesh.outbound(of: id).sorted())")
            #expect(chosen.isSubset(of: Set(mesh.links[id]!.keys)), "\(id) lost a chosen link")
        }
        #expect(mesh.retired > 100, "the full-mesh leftovers were retired: \(mesh.retired)")
        let degrees = mesh.ids.filter { $0 != "node-0" }.map { mesh.links[$0]!.count }
        #expect(degrees.max()! < 30, "not a full mesh: \(degrees)")
        #expect(mesh.ids.allSatisfy { mesh.links[$0]!.count <= LinkPolicy.Limits().maxLinks })
        // Retired links closed on purpose: nobody probed, suspected or buried anyone.
        #expect(mesh.history.filter { $0.state != .alive }.isEmpty,
                "\(mesh.history.filter { $0.state != .alive }.prefix(5).map { "\($0.observer): \($0.member) \($0.state)" })")

        // Stable: another minute changes no choice.
        let before = mesh.ids.map { mesh.policies[$0]!.chosen }
        await mesh.run(for: .seconds(60))
        #expect(mesh.ids.map { mesh.policies[$0]!.chosen } == before)
    }

    @Test func aKilledMemberIsDeadEverywhereAndItsLinksAreReplaced() async throws {
        let mesh = await Self.grown()
        let victim = "node-17"
        let choosers = mesh.ids.filter { mesh.policies[$0]!.chosen.contains(victim) }
        try #require(!choosers.isEmpty, "nobody chose \(victim)")
        let killedAt = mesh.time
        mesh.kill(victim)
        var allDeadAt: Duration?
        await mesh.run(for: .seconds(30)) {
            if allDeadAt == nil, mesh.observers(seeing: victim, as: .dead) == 39 { allDeadAt = mesh.time }
        }
        let elapsed = try #require(allDeadAt, "dead at \(mesh.observers(seeing: victim, as: .dead)) of 39") - killedAt
        #expect(elapsed <= .seconds(10), "dead everywhere after \(elapsed)")
        #expect(mesh.history.filter { $0.state == .dead && $0.member != victim }.isEmpty)
        for id in choosers {
            let chosen = mesh.policies[id]!.chosen
            #expect(chosen.count == 8 && !chosen.contains(victim), "\(id) chose \(chosen.sorted())")
            #expect(chosen.isSubset(of: Set(mesh.links[id]!.keys)), "\(id) did not dial the replacement")
        }
    }

    @Test func aGracefulLeaveAndAStopAreHandledAsInAFullMesh() async {
        let mesh = await Self.grown()
        mesh.apply(mesh.nodes["node-5"]!.leave(now: mesh.time), at: "node-5")
        await mesh.run(for: .seconds(5))
        #expect(mesh.observers(seeing: "node-5", as: .left) == 39)
        mesh.kill("node-5")
        // A member stopped for 2 s (its links stay open) is never declared dead.
        mesh.paused.insert("node-9")
        await mesh.run(for: .seconds(2))
        mesh.paused.remove("node-9")
        await mesh.run(for: .seconds(20))
        #expect(mesh.history.filter { $0.state == .dead }.isEmpty)
        #expect(mesh.observers(seeing: "node-9", as: .alive) == 38)
    }
}
