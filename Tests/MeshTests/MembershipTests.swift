import FoundationEssentials
@testable import Mesh
import Net
import Testing

/// The SWIM/Lifeguard state machine on a simulated clock: every figure here is simulated
/// time, so these tests are exact and cannot be timing-flaky.
@Suite("Membership state machine")
struct MembershipTests {
    @Test func fiveNodesLearnEachOtherFromOneSeed() async {
        let mesh = SimulatedMesh(count: 5)
        for id in mesh.ids where id != "node-0" { mesh.link("node-0", id) }
        await mesh.run(for: .seconds(2))
        for observer in mesh.ids {
            #expect(mesh.nodes[observer]!.members.count == 5, "\(observer) sees \(mesh.nodes[observer]!.members.keys.sorted())")
            for member in mesh.ids { #expect(mesh.state(of: member, at: observer) == .alive) }
        }
        // Learned members were linked too: a full mesh.
        #expect(mesh.ids.allSatisfy { mesh.links[$0]?.count == 4 })
        // Probes were answered: RTTs recorded.
        #expect(mesh.nodes["node-0"]!.members.values.contains { $0.rttMilliseconds != nil })
    }

    @Test func killedMemberIsDeadEverywhereWithinTargets() async throws {
        let mesh = SimulatedMesh(count: 5)
        mesh.linkAll()
        await mesh.run(for: .seconds(5))
        let killedAt = mesh.time
        mesh.kill("node-4")
        var allDeadAt: Duration?
        await mesh.run(for: .seconds(8)) {
            if allDeadAt == nil, mesh.observers(seeing: "node-4", as: .dead) == 4 { allDeadAt = mesh.time }
        }
        let elapsed = try #require(allDeadAt) - killedAt
        #expect(elapsed <= .seconds(3), "dead everywhere after \(elapsed)")
        #expect(elapsed >= .seconds(2), "no faster than the shortest suspicion: \(elapsed)")
    }

    @Test func memberStoppedForTwoSecondsIsNeverDeclaredDead() async {
        var refutations = 0
        for victim in ["node-0", "node-1", "node-2", "node-3", "node-4"] {
            let mesh = SimulatedMesh(count: 5)
            mesh.linkAll()
            await mesh.run(for: .seconds(3))
            mesh.paused.insert(victim)
            await mesh.run(for: .seconds(2))
            mesh.paused.remove(victim)
            await mesh.run(for: .seconds(10))
            let deaths = mesh.history.filter { $0.state == .dead }
            #expect(deaths.isEmpty, "false deaths: \(deaths.map { "\($0.observer) saw \($0.member) dead at \($0.at)" })")
            #expect(mesh.observers(seeing: victim, as: .alive) == 4)
            // When it was suspected (its turn to be probed came during the stop), it refuted.
            if mesh.history.contains(where: { $0.member == victim && $0.state == .suspect }) {
                #expect(mesh.nodes[victim]!.me.incarnation > 0)
                refutations += 1
            }
        }
        #expect(refutations >= 2, "the stops were long enough to be suspected")
    }

    @Test func gracefulLeaveIsSeenAtOnce() async {
        let mesh = SimulatedMesh(count: 5)
        mesh.linkAll()
        await mesh.run(for: .seconds(2))
        let actions = mesh.nodes["node-3"]!.leave(now: mesh.time)
        mesh.apply(actions, at: "node-3")
        await mesh.run(for: .milliseconds(50))
        #expect(mesh.observers(seeing: "node-3", as: .left) == 4)
        mesh.kill("node-3")
        await mesh.run(for: .seconds(10))
        #expect(mesh.observers(seeing: "node-3", as: .left) == 4, "left stays left, never turns dead")
    }

    @Test func lossyDuplicatingReorderingLinksCauseNoFalseDeaths() async {
        // 10 % loss per message (a probe round trip loses ~19 %), for ten simulated minutes:
        // suspicions happen, and the repeated buddy reminder plus the direct answer to a
        // stale suspicion get every refutation through before the suspicion expires.
        let faults = LinkFaults(dropRate: 0.10, duplicateRate: 0.1, reorderRate: 0.1)
        let mesh = SimulatedMesh(count: 5, faults: faults)
        mesh.linkAll()
        await mesh.run(for: .seconds(600))
        #expect(mesh.history.contains { $0.state == .suspect }, "the loss was high enough to cause suspicions")
        #expect(mesh.history.filter { $0.state == .dead }.isEmpty)
        #expect(mesh.ids.allSatisfy { observer in mesh.ids.allSatisfy { mesh.state(of: $0, at: observer) == .alive } })
        let counts = mesh.faultTransports.map(\.counts)
        #expect(counts.map(\.dropped).reduce(0, +) > 40 && counts.map(\.duplicated).reduce(0, +) > 100
                && counts.map(\.reordered).reduce(0, +) > 100, "faults really happened: \(counts.first!)")
        // And a real failure is still found through the noise.
        mesh.kill("node-1")
        await mesh.run(for: .seconds(10))
        #expect(mesh.observers(seeing: "node-1", as: .dead) == 4)
    }

    @Test func oneSlowLossyLinkCausesNoFalseDeath() async {
        // One pair's link, both ways, delays every frame 700 ms (past the 500 ms probe timeout)
        // and drops, duplicates and reorders 10 % each: the pair's direct probes fail, the
        // indirect ones through the other three answer, and nobody is buried.
        let faults = LinkFaults(dropRate: 0.1, duplicateRate: 0.1, reorderRate: 0.1, delay: .milliseconds(700))
        let mesh = SimulatedMesh(count: 5)
        mesh.linkFaults = ["node-0>node-1": faults, "node-1>node-0": faults]
        mesh.linkAll()
        await mesh.run(for: .seconds(300))
        #expect(mesh.history.filter { $0.state == .dead }.isEmpty)
        #expect(mesh.ids.allSatisfy { observer in mesh.ids.allSatisfy { mesh.state(of: $0, at: observer) == .alive } })
        let counts = mesh.faultTransports.map(\.counts)
        #expect(counts.count == 2 && counts.allSatisfy { $0.sent > 100 && $0.dropped > 10 && $0.duplicated > 10 && $0.reordered > 10 },
                "\(counts)")
        mesh.kill("node-1")
        await mesh.run(for: .seconds(10))
        #expect(mesh.observers(seeing: "node-1", as: .dead) == 4)
    }

    @Test func aStarvedNodeReadsItsQueueBeforeBuryingAnyone() async {
        let mesh = SimulatedMesh(count: 5)
        mesh.linkAll()
        await mesh.run(for: .seconds(3))
        // node-0 suspects node-1, which refutes at once; the refutation waits in node-0's queue.
        let incarnation = mesh.nodes["node-0"]!.members["node-1"]!.incarnation
        mesh.apply(mesh.nodes["node-0"]!.suspect("node-1", incarnation: incarnation, confirmer: "node-0", now: mesh.time, originated: true),
                   at: "node-0")
        mesh.paused.insert("node-0")
        mesh.deliver()  // node-1 hears it and refutes; the answer waits for node-0
        // node-0 could not run for 10 s (far past the longest suspicion): its first tick must
        // not bury node-1 before reading what arrived meanwhile.
        let late = mesh.time + .seconds(10)
        let actions = mesh.nodes["node-0"]!.tick(now: late)
        #expect(!actions.contains { if case .changed(let member) = $0 { member.id == "node-1" && member.state == .dead } else { false } })
        mesh.time = late
        mesh.paused.remove("node-0")
        mesh.apply(actions, at: "node-0")
        mesh.deliver()
        #expect(mesh.state(of: "node-1", at: "node-0") == .alive)
        await mesh.run(for: .seconds(5))
        #expect(mesh.history.filter { $0.state == .dead }.isEmpty)
    }

    @Test func aPeerCannotKillOrMoveAnotherMemberOnItsOwnWord() async {
        let mesh = SimulatedMesh(count: 4)
        mesh.linkAll()
        await mesh.run(for: .seconds(2))
        var victimView = mesh.nodes["node-0"]!
        let address = victimView.members["node-2"]!.metadata.meshAddress
        let incarnation = victimView.members["node-2"]!.incarnation
        let lies: [MemberUpdate] = [
            MemberUpdate(id: "node-2", state: .dead, incarnation: incarnation + 1),
            MemberUpdate(id: "node-2", state: .left, incarnation: incarnation + 1),
            MemberUpdate(id: "node-2", state: .alive, incarnation: incarnation + 2,
                         metadata: MemberMetadata(meshAddress: "6.6.6.6:1", apiAddress: "6.6.6.6:2", version: "evil", startedAt: 0)),
            MemberUpdate(id: "node-2", state: .alive, incarnation: Int64.max),
            MemberUpdate(id: "bad id with spaces", state: .alive, incarnation: 0, metadata: .unknown),
        ]
        _ = victimView.receive(.gossip(lies), from: "node-3", now: mesh.time)
        let seen = victimView.members["node-2"]!
        #expect(seen.state != .dead && seen.state != .left)
        #expect(seen.metadata.meshAddress == address, "address changed by a third party")
        #expect(seen.incarnation < Int64.max / 2, "incarnation pushed to the end of the range")
        #expect(victimView.members["bad id with spaces"] == nil)
        // In the live mesh, the same lies are refuted and never become a death.
        mesh.apply(mesh.nodes["node-0"]!.receive(.gossip(Array(lies.prefix(2))), from: "node-3", now: mesh.time), at: "node-0")
        await mesh.run(for: .seconds(10))
        #expect(mesh.history.filter { $0.state == .dead }.isEmpty)
        #expect(mesh.observers(seeing: "node-2", as: .alive) == 3)
        #expect(mesh.nodes["node-0"]!.members["node-2"]!.metadata.meshAddress == address)
    }

    @Test func healthTravelsSecondHandButAddressesDoNot() {
        var view = Membership(selfID: "a", metadata: .unknown, now: .zero)
        let real = MemberMetadata(meshAddress: "10.0.0.2:1", apiAddress: "http://10.0.0.2:2", version: "1", startedAt: 1)
        _ = view.receive(.gossip([MemberUpdate(id: "b", state: .alive, incarnation: 1, metadata: real)]), from: "b", now: .zero)
        var later = real
        later.meshAddress = "6.6.6.6:1"
        later.version = "evil"
        later.health = ["tools": ["hash": "h2"]]
        _ = view.receive(.gossip([MemberUpdate(id: "b", state: .alive, incarnation: 2, metadata: later)]), from: "c", now: .zero)
        let seen = view.members["b"]?.metadata
        #expect(seen?.health == ["tools": ["hash": "h2"]] && seen?.meshAddress == "10.0.0.2:1" && seen?.version == "1")
        // Not at the same incarnation: a stale or replayed claim changes nothing.
        later.health = ["tools": ["hash": "h3"]]
        _ = view.receive(.gossip([MemberUpdate(id: "b", state: .alive, incarnation: 2, metadata: later)]), from: "c", now: .zero)
        #expect(view.members["b"]?.metadata.health == ["tools": ["hash": "h2"]])
    }

    /// Sparse mode probes linked members only. A member killed while another probe was in
    /// flight loses its links at once, so it is probed right after that probe anyway
    /// (indirectly, through the remaining links); and when second-hand news at a higher
    /// incarnation clears the suspicion, it is probed again, or no member would ever bury it
    /// (seen in `test_mesh_sparse.py`: a killed member alive everywhere for 60 s).
    @Test func aMemberLostTouchWithIsProbedUntilDeadInASparseMesh() {
        var view = Membership(selfID: "a", metadata: .unknown, now: .zero, seed: 7)
        view.fullMeshLimit = 2
        let metadata = MemberMetadata(meshAddress: "127.0.0.1:1", apiAddress: "", version: "", startedAt: 0)
        _ = view.linkOpened("b", now: .zero)
        _ = view.receive(.gossip(["b", "c", "d"].map { MemberUpdate(id: $0, state: .alive, incarnation: 0, metadata: metadata) }),
                         from: "b", now: .zero)
        _ = view.linkOpened("c", now: .zero)
        #expect(view.isSparse)
        var now = Duration.seconds(1)
        // b answers its pings and cannot reach c for anyone.
        func deliver(_ actions: [MembershipAction]) -> Int {
            var asked = 0
            for case .send(let message, to: "b") in actions {
                switch message {
                case .ping(let seq, _): _ = deliver(view.receive(.ack(seq: seq, gossip: []), from: "b", now: now))
                case .pingRequest(let seq, "c", _):
                    asked += 1
                    _ = deliver(view.receive(.nack(seq: seq), from: "b", now: now))
                default: break
                }
            }
            return asked
        }
        let ping = view.startProbe(of: "b", now: now)
        #expect(view.linkClosed("c", now: now).isEmpty, "the probe of b finishes first")
        now += .milliseconds(10)
        _ = deliver(ping)
        now += .milliseconds(50)
        #expect(deliver(view.tick(now: now)) == 1, "c is asked about through b at once")
        #expect(view.members["c"]?.state == .suspect)
        // c's restart news (a higher incarnation) arrives second-hand: the suspicion is over.
        _ = view.receive(.gossip([MemberUpdate(id: "c", state: .alive, incarnation: 1, metadata: metadata)]), from: "b", now: now)
        #expect(view.members["c"]?.state == .alive)
        var askedAgain = 0
        for _ in 0..<200 {
            now += .milliseconds(50)
            askedAgain += deliver(view.tick(now: now))
        }
        #expect(askedAgain >= 1 && view.members["c"]?.state == .dead, "asked \(askedAgain) times; c is \(String(describing: view.members["c"]?.state))")
        // d, never linked and never lost touch with, is b's to probe, not ours.
        #expect(view.members["d"]?.state == .alive)
    }

    @Test func inventedMembersAreBoundedAndDieWhenNobodyAnswers() {
        var view = Membership(selfID: "a", metadata: .unknown, now: .zero)
        let fakes = (0..<2000).map {
            MemberUpdate(id: "ghost-\($0)", state: .alive, incarnation: 0,
                         metadata: MemberMetadata(meshAddress: "10.0.0.1:1", apiAddress: "", version: "", startedAt: 0))
        }
        for chunk in stride(from: 0, to: fakes.count, by: 64) {
            _ = view.receive(.gossip(Array(fakes[chunk..<min(chunk + 64, fakes.count)])), from: "b", now: .zero)
        }
        #expect(view.members.count == Membership.maxMembers)
        #expect(view.gossip.count <= view.timing.gossipQueueLimit)
    }

    @Test func suspicionShrinksWithIndependentConfirmations() {
        var suspicion = Suspicion(start: .zero, minimum: .seconds(2), maximum: .seconds(6), expected: 3, firstConfirmer: "a")
        #expect(suspicion.timeout == .seconds(6))
        let added = suspicion.confirm("b")
        #expect(added)
        let one = suspicion.timeout
        let again = suspicion.confirm("b")
        #expect(!again, "the same member twice counts once")
        #expect(suspicion.timeout == one)
        _ = suspicion.confirm("c")
        let two = suspicion.timeout
        _ = suspicion.confirm("d")
        #expect(one < .seconds(6) && two < one && suspicion.timeout == .seconds(2))
        _ = suspicion.confirm("e")
        #expect(suspicion.timeout == .seconds(2), "never below the minimum")
        let bounds = Suspicion.bounds(timing: MembershipTiming(), members: 5)
        #expect(bounds.minimum == .seconds(2) && bounds.maximum == .seconds(6))
    }

    @Test func gossipQueueIsBoundedAndRetiresEntries() {
        var queue = GossipQueue(limit: 3)
        for index in 0..<10 { queue.enqueue(MemberUpdate(id: "m\(index)", state: .alive, incarnation: 0)) }
        #expect(queue.count == 3)
        queue.enqueue(MemberUpdate(id: "m9", state: .suspect, incarnation: 1))
        #expect(queue.count == 3, "a newer fact about a member replaces the older")
        var sent = 0
        while queue.count > 0, sent < 100 { sent += queue.take(2, maxTransmits: 2).count }
        #expect(sent == 6, "each of the 3 entries sent exactly twice")
    }

    @Test func messagesRoundTripThroughJSONAndGarbageIsDropped() {
        let meta = MemberMetadata(meshAddress: "h:1", apiAddress: "h:2", version: "v", startedAt: 5, health: ["load": 0.5])
        let messages: [SwimMessage] = [
            .ping(seq: 1, gossip: [MemberUpdate(id: "a", state: .alive, incarnation: 3, metadata: meta)]),
            .ack(seq: 2, gossip: []), .pingRequest(seq: 3, target: "t", gossip: []), .nack(seq: 4),
            .gossip([MemberUpdate(id: "b", state: .dead, incarnation: 9)]), .sync([], reply: true),
        ]
        for message in messages {
            let value = message.notification
            guard case .success(let decoded) = JSONRPCMessage.decode(value), let method = decoded.method else {
                Issue.record("not a notification: \(value)")
                continue
            }
            #expect(SwimMessage.decode(method: method, params: decoded.params) == message)
        }
        #expect(SwimMessage.decode(method: "mesh/ping", params: ["seq": "x"]) == nil)
        #expect(SwimMessage.decode(method: "mesh/ping", params: ["seq": 1.5]) == nil)
        #expect(SwimMessage.decode(method: "mesh/gossip", params: ["updates": .array(Array(repeating: [:], count: 65))]) == nil)
        #expect(SwimMessage.decode(method: "mesh/sync", params: ["members": 7]) == nil)
        #expect(SwimMessage.decode(method: "nope", params: nil) == nil)
    }

    @Test func backoffGrowsWithJitterAndCaps() {
        var backoff = Backoff(base: .milliseconds(200), cap: .seconds(30))
        var random = RandomSource(seed: 7)
        var delays: [Duration] = []
        for _ in 0..<15 { delays.append(backoff.next(using: &random)) }
        #expect(delays[0] >= .milliseconds(100) && delays[0] <= .milliseconds(200))
        #expect(delays[3] >= .milliseconds(800) && delays[3] <= .milliseconds(1600))
        #expect(delays.allSatisfy { $0 <= .seconds(30) } && delays.last! >= .seconds(15))
        #expect(Set(delays.suffix(5)).count > 1, "jittered")
    }

    @Test func renewalIsDueAtTwoThirdsOfTheLifetime() {
        let start = Date(timeIntervalSince1970: 1_000_000)
        #expect(CertificateRenewal.renewAt(notBefore: start, notAfter: start.addingTimeInterval(30 * 86400))
                == start.addingTimeInterval(20 * 86400))
    }

    @Test func peerAddressesParseStrictly() {
        #expect(PeerAddress("wss://10.0.0.2:44433") == PeerAddress(host: "10.0.0.2", port: 44433))
        #expect(PeerAddress("hub.example:44433/mesh") == PeerAddress(host: "hub.example", port: 44433))
        #expect(PeerAddress("[::1]:5")?.description == "[::1]:5")
        for bad in ["", "host", "host:0", "host:70000", "wss://:1", "a b:1", "user@h:1", "h:x"] {
            #expect(PeerAddress(bad) == nil, "\(bad)")
        }
    }
}
