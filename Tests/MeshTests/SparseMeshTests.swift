@testable import Mesh
import Net
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

    /// A member restarted on another port (kill -9, then the same identity elsewhere). Its
    /// linked members hear the new address first-hand; the others hear it second-hand, keep
    /// it as a candidate and adopt it when a dial proves it: the members that chose it link to
    /// it again, nobody keeps dialing the old address, and a call from any member succeeds.
    @Test func aMemberThatMovesIsReachedByEveryMemberThatNeedsIt() async throws {
        let mesh = await Self.grown()
        let mover = "node-17"
        let old = try #require(PeerAddress("127.0.0.1:40017")), new = try #require(PeerAddress("127.0.0.1:45017"))
        let others = mesh.ids.filter { $0 != mover }
        // Its configured peer is an ordinary member, not the hub every member links to: the
        // first-hand news starts at that member's links, and travels on as second-hand news
        // (candidates) and from each member that proves the address and links to it.
        mesh.pinned[mover] = ["node-31"]
        let restartedAt = mesh.time
        mesh.restart(mover, at: new.description)
        var heardAt: Duration?
        await mesh.run(for: .seconds(20)) {
            if heardAt == nil, others.allSatisfy({ mesh.nodes[$0]!.dialAddresses(of: mover).contains(new) }) { heardAt = mesh.time }
        }
        let heard = try #require(heardAt, "heard at \(others.filter { mesh.nodes[$0]!.dialAddresses(of: mover).contains(new) }.count) of 39")
        // Simulated time, so exact: first-hand news is pushed on at once by every member that
        // hears it (the pinned one, then each that proves the address and links to it).
        #expect(heard - restartedAt <= .seconds(5), "every member heard of the new address after \(heard - restartedAt)")
        // Nobody took a third party's word for it: members not linked to it since then hold it
        // as a candidate or proved it themselves.
        let adopted = others.filter { mesh.nodes[$0]!.address(of: mover) == new }
        #expect(adopted.count >= 8, "only \(adopted.count) adopted it")
        // The members that (still) chose it are linked to it, and dial its old address no more.
        for id in others where mesh.policies[id]!.chosen.contains(mover) {
            #expect(mesh.links[id]![mover] != nil && mesh.nodes[id]!.address(of: mover) == new, "\(id) chose it but is not linked")
        }
        let oldDials = mesh.failedDials.filter { $0.hasSuffix("@\(old)") }.count
        await mesh.run(for: .seconds(10))
        #expect(mesh.failedDials.filter { $0.hasSuffix("@\(old)") }.count == oldDials, "the old address is still dialed")
        // A call from every member not linked to it (an on-demand dial) reaches it, and the
        // caller's view then shows the proven address.
        let unlinked = others.filter { mesh.links[$0]![mover] == nil }
        try #require(!unlinked.isEmpty)
        for id in unlinked {
            #expect(mesh.dial(id, mover), "\(id) could not reach it at \(mesh.nodes[id]!.dialAddresses(of: mover))")
            #expect(mesh.nodes[id]!.address(of: mover) == new && mesh.nodes[id]!.addressCandidates(of: mover).isEmpty)
        }
        #expect(mesh.history.filter { $0.state == .dead && $0.member != mover }.isEmpty)
        #expect(mesh.observers(seeing: mover, as: .alive) == 39)
    }

    /// A member that announces a false address for another changes nobody's view: those who
    /// hear it keep it as a candidate, and the first dial that needs the member drops it.
    @Test func aLiarsAddressForAMemberChangesNobodysView() async throws {
        let mesh = await Self.grown()
        let liar = "node-23", victim = "node-11"
        let real = try #require(PeerAddress("127.0.0.1:40011"))
        let nowhere = try #require(PeerAddress("127.0.0.1:1")), liars = try #require(PeerAddress("127.0.0.1:40023"))
        let incarnation = try #require(mesh.nodes[liar]!.members[victim]).incarnation
        let lies = [nowhere, liars].enumerated().map { index, address in
            MemberUpdate(id: victim, state: .alive, incarnation: incarnation + 1 + Int64(index),
                         metadata: MemberMetadata(meshAddress: address.description, apiAddress: "http://\(address)/api",
                                                  version: "evil", startedAt: 0))
        }
        let hearers = mesh.links[liar]!.keys.sorted().filter { $0 != victim }
        for peer in hearers { _ = mesh.links[liar]![peer]!.send(SwimMessage.gossip(lies).notification.jsonText) }
        await mesh.run(for: .milliseconds(100))
        let holding = hearers.filter { mesh.nodes[$0]!.addressCandidates(of: victim) == [nowhere, liars] }
        #expect(holding.count == hearers.count, "candidates at \(holding.count) of \(hearers.count)")
        // A call from a hearer not linked to the victim: the real address wins, both lies cost
        // one failed dial each and are gone.
        let caller = try #require(hearers.first { mesh.links[$0]![victim] == nil }, "every hearer is linked to \(victim)")
        let failedBefore = mesh.failedDials.count
        #expect(mesh.dial(caller, victim))
        #expect(mesh.failedDials.count == failedBefore + 2, "\(mesh.failedDials.suffix(3))")
        #expect(mesh.nodes[caller]!.addressCandidates(of: victim).isEmpty)
        await mesh.run(for: .seconds(30))
        for observer in mesh.ids where observer != victim {
            #expect(mesh.nodes[observer]!.address(of: victim) == real, "\(observer) moved \(victim)")
        }
        let falseDials = mesh.failedDials.filter { $0.hasSuffix("@\(nowhere)") || $0.hasSuffix("@\(liars)") }
        #expect(falseDials.count <= 2 * hearers.count, "\(falseDials.count) dials of the false addresses")
        #expect(mesh.observers(seeing: victim, as: .alive) == 39)
        #expect(mesh.history.filter { $0.state == .dead }.isEmpty)
    }
}
