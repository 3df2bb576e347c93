import FoundationEssentials
import Glibc
import Mesh
import Net
import Testing
import TestSupport

/// Issue 11: learned members are persisted, so a member restarted while its hub (its only
/// configured peer) is down still finds the mesh through the members it learned; and the
/// health summary each member gossips is filled.
@Suite("Mesh restart (real processes)", .serialized)
struct MeshRestartTests {
    @Test func restartedMemberFindsTheMeshThroughLearnedMembersWhileTheHubIsDown() async throws {
        try #require(FileManager.default.fileExists(atPath: MeshProcess.binary), "build the triforce binary first")
        let nodes = try await MeshClusterTests.cluster(members: 2)
        var running = nodes
        defer { for node in running { node.process.signal(SIGKILL) } }
        let hub = nodes[0], stays = nodes[1], restarts = nodes[2]

        // Each member gossips its health summary (providers usable, load).
        #expect(await eventually(within: .seconds(30)) {
            let members = (try? await hub.status())?["members"]?.arrayValue ?? []
            return members.contains { $0["id"]?.stringValue == stays.nodeID && $0["health"]?["providers"]?["usable"]?.intValue != nil
                && $0["health"]?["load"]?["in_flight"]?.intValue != nil }
        }, "no health summary in the hub's view of \(stays.name)")

        // The member list is saved in the data dir (rewritten within seconds of a change).
        let saved = restarts.dir + "/mesh-members.json"
        #expect(await eventually(within: .seconds(30)) {
            (try? PEMFile.read(saved)).map { $0.contains(stays.nodeID) && $0.contains(hub.nodeID) } ?? false
        }, "the learned members were not saved")

        await restarts.stop()
        await hub.stop()
        running = [stays]
        let again = try await MeshProcess.start("restarted", dir: restarts.dir)
        running.append(again)
        // Its only configured peer is the hub, which is down: the saved list is the way in.
        let restarted = ContinuousClock.now
        let found = await eventually(within: .seconds(60), every: .milliseconds(300)) {
            let fromRestarted = (try? await again.view())?[stays.nodeID]
            let fromOther = (try? await stays.view())?[again.nodeID]
            return fromRestarted == "alive" && fromOther == "alive"
        }
        // Once under a full local suite this waited out its 60 s (README "Known issues"): the
        // logs of both sides say which one did not see the other.
        let views = found ? [:] : ["restarted": (try? await again.view()) ?? [:], "stays": (try? await stays.view()) ?? [:]]
        #expect(found, """
            the restarted member did not find the mesh without its hub; views: \(views)
            restarted:
            \(again.log(since: restarted))
            stays:
            \(stays.log(since: restarted))
            """)
        for node in running { await node.stop() }
    }
}
