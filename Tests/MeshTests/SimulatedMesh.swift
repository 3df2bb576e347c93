@testable import Mesh
import Net
import Synchronization
import TestSupport

/// Several `Membership` state machines on one manual clock, linked through real
/// `MeshTransport`s (closures into a mailbox, optionally wrapped in `FaultInjectingTransport`),
/// every message encoded to JSON and decoded again as on a real link. Deterministic: time
/// only moves when the test steps it.
final class SimulatedMesh {
    /// Frames in flight: (to, from, text, due time), and the simulated clock the transports
    /// stamp them with. Guarded by their mutexes (transports run outside).
    final class Mailbox: Sendable {
        let frames = Mutex<[(to: String, from: String, text: String, at: Duration)]>([])
        let clock = Mutex<Duration>(.zero)
    }
    let mailbox = Mailbox()
    var nodes: [String: Membership] = [:]
    var links: [String: [String: any MeshTransport]] = [:]
    var killed: Set<String> = []
    var paused: Set<String> = []
    var time: Duration = .zero {
        didSet { mailbox.clock.withLock { $0 = time } }
    }
    var faults: LinkFaults?
    /// Faults for single directions ("a>b": what a sends to b), over `faults`. Their `delay` is
    /// simulated time: a frame is due that long after it was sent.
    var linkFaults: [String: LinkFaults] = [:]
    /// Every (observer, member, state) change seen, for "never dead" assertions.
    var history: [(observer: String, member: String, state: MemberState, at: Duration)] = []
    var faultTransports: [FaultInjectingTransport] = []
    /// Dialing as `MeshService` does it: every 250 ms each running node asks its `LinkPolicy`
    /// (full mesh up to the limit, a stable random few above) and dials or retires links.
    var policies: [String: LinkPolicy] = [:]
    var randoms: [String: RandomSource] = [:]
    /// Links by dialer: "a>b" when a dialed b; when each opened.
    var dialed: [String: Duration] = [:]
    /// Members each node never retires (its configured peers).
    var pinned: [String: Set<String>] = [:]
    var dialFailures: [String: Int] = [:]
    var retired = 0
    var nextReconcileAt: Duration = .zero
    /// Who listens at each mesh address ("host:port" → node id): a dial reaches that node,
    /// and its certificate names it.
    var listening: [String: String] = [:]
    /// Dials of one address that reached nobody or another node: "dialer>member@address".
    var failedDials: [String] = []
    let timing: MembershipTiming
    let limits: LinkPolicy.Limits

    init(count: Int, timing: MembershipTiming = .init(), faults: LinkFaults? = nil, limits: LinkPolicy.Limits = .init()) {
        self.faults = faults
        self.timing = timing
        self.limits = limits
        for index in 0..<count {
            start("node-\(index)", at: "127.0.0.1:\(40000 + index)", seed: UInt64(index + 1))
        }
    }

    /// A fresh process for `id` listening at `address` (incarnation 0, knowing only itself).
    func start(_ id: String, at address: String, seed: UInt64) {
        let metadata = MemberMetadata(meshAddress: address, apiAddress: "http://\(address)/api", version: "test", startedAt: 0)
        nodes[id] = Membership(selfID: id, metadata: metadata, timing: timing, now: time, seed: seed)
        nodes[id]!.fullMeshLimit = limits.fullMeshLimit
        policies[id] = LinkPolicy(limits: limits)
        randoms[id] = RandomSource(seed: seed &+ 999)
        links[id] = [:]
        for (old, owner) in listening where owner == id { listening[old] = nil }
        listening[address] = id
    }

    /// kill -9 of `id`, then a new process with the same identity listening at `address`,
    /// which dials its configured peers (`pinned`) as `serve` does.
    func restart(_ id: String, at address: String) {
        if !killed.contains(id) { kill(id) }
        // What was in flight to or from the old process died with its sockets.
        mailbox.frames.withLock { $0.removeAll { $0.to == id || $0.from == id } }
        start(id, at: address, seed: 7919 &+ UInt64(truncatingIfNeeded: time.components.seconds))
        killed.remove(id)
        for peer in (pinned[id] ?? []).sorted() { link(id, peer) }
    }

    /// `node` dials `peer` as `MeshService` does: at its known address and its unverified
    /// candidates side by side. A dial reaches whoever listens there (a running process that
    /// is not stopped) and counts only when that is `peer` (the certificate check); a
    /// candidate proven so becomes the address, one that fails is dropped. True when linked.
    @discardableResult
    func dial(_ node: String, _ peer: String) -> Bool {
        guard let addresses = nodes[node]?.dialAddresses(of: peer) else { return false }
        var linked = false
        for address in addresses {
            let owner = listening[address.description]
            guard owner == peer, !killed.contains(peer), !paused.contains(peer) else {
                failedDials.append("\(node)>\(peer)@\(address)")
                nodes[node]!.addressFailed(address, of: peer)
                continue
            }
            apply(nodes[node]!.addressVerified(address, of: peer), at: node)
            if link(node, peer) { linked = true }
        }
        return linked
    }

    var ids: [String] { nodes.keys.sorted() }

    /// `a` dials `b`: a link both ways, unless either is down or `b` holds its link limit.
    @discardableResult
    func link(_ a: String, _ b: String) -> Bool {
        guard links[a]?[b] == nil else { return true }
        guard !killed.contains(a), !killed.contains(b), !paused.contains(b),
              policies[b]!.acceptsLink(whileHolding: links[b]!.count) else { return false }
        dialed["\(a)>\(b)"] = time
        links[a]?[b] = transport(from: a, to: b)
        links[b]?[a] = transport(from: b, to: a)
        apply(nodes[a]!.linkOpened(b, now: time), at: a)
        apply(nodes[b]!.linkOpened(a, now: time), at: b)
        return true
    }

    func transport(from: String, to: String) -> any MeshTransport {
        let mailbox = mailbox
        guard var faults = linkFaults[from + ">" + to] ?? faults else {
            return ClosureTransport(peerID: to) { text in
                mailbox.frames.withLock { $0.append((to, from, text, mailbox.clock.withLock { $0 })) }
                return true
            }
        }
        let delay = faults.delay
        faults.delay = .zero
        let base = ClosureTransport(peerID: to) { text in
            let due = mailbox.clock.withLock { $0 } + delay
            mailbox.frames.withLock { $0.append((to, from, text, due)) }
            return true
        }
        // FNV-1a of the link's name, not `hashValue` (seeded per process): a run is reproducible.
        faults.seed = (from + ">" + to).utf8.reduce(UInt64(0xcbf2_9ce4_8422_2325)) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 } | 1
        let faulty = FaultInjectingTransport(wrapping: base, faults: faults)
        faultTransports.append(faulty)
        return faulty
    }

    /// Closes the link; `deliberate` when a link policy retired it (neither side probes).
    func unlink(_ a: String, _ b: String, deliberate: Bool = false) {
        dialed["\(a)>\(b)"] = nil
        dialed["\(b)>\(a)"] = nil
        if links[a]?.removeValue(forKey: b) != nil, !killed.contains(a) {
            apply(nodes[a]!.linkClosed(b, unexpected: !deliberate, now: time), at: a)
        }
        if links[b]?.removeValue(forKey: a) != nil, !killed.contains(b) {
            apply(nodes[b]!.linkClosed(a, unexpected: !deliberate, now: time), at: b)
        }
    }

    /// One dial reconciliation at `node`, as `MeshService.reconcileDials` runs it.
    func reconcile(_ node: String) {
        guard var policy = policies[node], var random = randoms[node], let view = nodes[node] else { return }
        let live = view.members.values.filter { !$0.state.isGone && $0.id != node }.map(\.id).sorted()
        let states = Dictionary(uniqueKeysWithValues: (links[node] ?? [:]).keys.map { peer in
            (peer, LinkPolicy.LinkState(outbound: dialed["\(node)>\(peer)"] != nil, busy: false,
                                        lastUsed: dialed["\(node)>\(peer)"] ?? dialed["\(peer)>\(node)"] ?? .zero))
        })
        // As `MeshService.planLinks`: a member with candidates untried is not given up on.
        let failing = Set(live.filter {
            links[node]?[$0] == nil && dialFailures["\(node)>\($0)", default: 0] >= 3 && view.addressCandidates(of: $0).isEmpty
        })
        let plan = policy.plan(live: live, links: states, keep: pinned[node] ?? [], failing: failing, now: time, random: &random)
        policies[node] = policy
        randoms[node] = random
        for peer in plan.close {
            retired += 1
            unlink(node, peer, deliberate: true)
        }
        for peer in plan.dial where nodes[peer] != nil {
            if dial(node, peer) { dialFailures["\(node)>\(peer)"] = nil } else { dialFailures["\(node)>\(peer)", default: 0] += 1 }
        }
    }

    /// Links each node dialed (the ones its policy keeps or will retire).
    func outbound(of node: String) -> Set<String> {
        Set((links[node] ?? [:]).keys.filter { dialed["\(node)>\($0)"] != nil })
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
                if time >= nextReconcileAt {
                    nextReconcileAt = time + .milliseconds(250)
                    for id in ids where !killed.contains(id) && !paused.contains(id) { reconcile(id) }
                }
                check?()
            }
        }
    }

    func deliver() {
        var rounds = 0
        while rounds < 8 {
            rounds += 1
            let paused = paused, now = time
            let frames = mailbox.frames.withLock { frames in
                let ready = frames.filter { !paused.contains($0.to) && $0.at <= now }
                frames.removeAll { !paused.contains($0.to) && $0.at <= now }
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
