@testable import Mesh
import Net
import Synchronization
import TestSupport

/// Several `Membership` state machines on one manual clock, linked through real
/// `MeshTransport`s (closures into a mailbox, optionally wrapped in `FaultInjectingTransport`),
/// every message encoded to JSON and decoded again as on a real link. Deterministic: time
/// only moves when the test steps it.
final class SimulatedMesh {
    /// Frames in flight: (to, from, text). Guarded by its mutex (transports run outside).
    final class Mailbox: Sendable {
        let frames = Mutex<[(to: String, from: String, text: String)]>([])
    }
    let mailbox = Mailbox()
    var nodes: [String: Membership] = [:]
    var links: [String: [String: any MeshTransport]] = [:]
    var killed: Set<String> = []
    var paused: Set<String> = []
    var time: Duration = .zero
    var faults: LinkFaults?
    /// Every (observer, member, state) change seen, for "never dead" assertions.
    var history: [(observer: String, member: String, state: MemberState, at: Duration)] = []
    var faultTransports: [FaultInjectingTransport] = []
    /// Sparse mode as `MeshService` dials it: above `fullMeshLimit` members a node dials
    /// learned members only while it has fewer than `sparseLinks` links (it still accepts).
    var fullMeshLimit = 32
    var sparseLinks = 8

    init(count: Int, timing: MembershipTiming = .init(), faults: LinkFaults? = nil) {
        self.faults = faults
        for index in 0..<count {
            let id = "node-\(index)"
            let metadata = MemberMetadata(meshAddress: "127.0.0.1:\(40000 + index)", apiAddress: "127.0.0.1:\(9000 + index)",
                                          version: "test", startedAt: 0)
            nodes[id] = Membership(selfID: id, metadata: metadata, timing: timing, now: .zero, seed: UInt64(index + 1))
            links[id] = [:]
        }
    }

    var ids: [String] { nodes.keys.sorted() }

    /// Opens a link between two nodes (both directions), as a dial would.
    func link(_ a: String, _ b: String) {
        guard links[a]?[b] == nil, !killed.contains(a), !killed.contains(b) else { return }
        links[a]?[b] = transport(from: a, to: b)
        links[b]?[a] = transport(from: b, to: a)
        apply(nodes[a]!.linkOpened(b, now: time), at: a)
        apply(nodes[b]!.linkOpened(a, now: time), at: b)
    }

    func transport(from: String, to: String) -> any MeshTransport {
        let mailbox = mailbox
        let base = ClosureTransport(peerID: to) { text in
            mailbox.frames.withLock { $0.append((to, from, text)) }
            return true
        }
        guard var faults else { return base }
        // FNV-1a of the link's name, not `hashValue` (seeded per process): a run is reproducible.
        faults.seed = (from + ">" + to).utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 } | 1
        let faulty = FaultInjectingTransport(wrapping: base, faults: faults)
        faultTransports.append(faulty)
        return faulty
    }

    func unlink(_ a: String, _ b: String) {
        if links[a]?.removeValue(forKey: b) != nil, !killed.contains(a) { apply(nodes[a]!.linkClosed(b, now: time), at: a) }
        if links[b]?.removeValue(forKey: a) != nil, !killed.contains(b) { apply(nodes[b]!.linkClosed(a, now: time), at: b) }
    }

    /// kill -9: its sockets reset, so every link closes at once.
    func kill(_ id: String) {
        for peer in links[id]?.keys.sorted() ?? [] { unlink(id, peer) }
        killed.insert(id)
    }

    func linkAll() {
        for a in ids { for b in ids where a < b { link(a, b) } }
    }

    func apply(_ actions: [MembershipAction], at node: String) {
        for action in actions {
            switch action {
            case .send(let message, let peer):
                links[node]?[peer]?.send(message.notification.jsonText)
            case .changed(let member):
                history.append((node, member.id, member.state, time))
                // The service dials members it learns; do the same.
                let known = nodes[node]?.members.values.filter { !$0.state.isGone }.count ?? 0
                let sparse = known > fullMeshLimit && (links[node]?.count ?? 0) >= sparseLinks
                if member.state == .alive, member.id != node, nodes[member.id] != nil, links[node]?[member.id] == nil, !sparse {
                    link(node, member.id)
                }
            }
        }
    }

    /// Advances `duration` in 10 ms steps: ticks every running node and delivers frames
    /// (those for a paused node wait; those for a killed node are lost). Runs on a thread of
    /// its own: a long simulation is seconds of CPU, and on the cooperative pool (two threads
    /// on a 2-core machine) it starved every other test's in-process server in the parallel
    /// run. Yields every step so the tests sharing that thread take turns.
    func run(for duration: Duration, check: (() -> Void)? = nil) async {
        await withTaskExecutorPreference(DedicatedThreadExecutor.shared) {
            let end = time + duration
            while time < end {
                await Task.yield()
                time += .milliseconds(10)
                deliver()
                for id in ids where !killed.contains(id) && !paused.contains(id) {
                    apply(nodes[id]!.tick(now: time), at: id)
                }
                check?()
            }
        }
    }

    func deliver() {
        var rounds = 0
        while rounds < 8 {
            rounds += 1
            let paused = paused
            let frames = mailbox.frames.withLock { frames in
                let ready = frames.filter { !paused.contains($0.to) }
                frames.removeAll { !paused.contains($0.to) }
                return ready
            }
            if frames.isEmpty { return }
            for frame in frames where !killed.contains(frame.to) {
                guard links[frame.to]?[frame.from] != nil,
                      let value = JSONValue.parse(frame.text), case .success(let message) = JSONRPCMessage.decode(value),
                      let method = message.method, let swim = SwimMessage.decode(method: method, params: message.params) else { continue }
                apply(nodes[frame.to]!.receive(swim, from: frame.from, now: time), at: frame.to)
            }
        }
    }

    func state(of member: String, at observer: String) -> MemberState? { nodes[observer]?.members[member]?.state }

    /// Observers (running, not the member) that see `member` in `state`.
    func observers(seeing member: String, as state: MemberState) -> Int {
        ids.filter { $0 != member && !killed.contains($0) && self.state(of: member, at: $0) == state }.count
    }

    var runningObservers: Int { ids.filter { !killed.contains($0) }.count }
}
