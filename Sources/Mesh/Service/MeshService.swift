import FoundationEssentials
import NIOCore
import NIOPosix
import Synchronization
public import Logging
public import Net
public import ServiceLifecycle

/// Drives the membership state machine: ticks it, carries its messages over the links,
/// keeps links up (dialing configured peers and learned members with backoff, one link per
/// pair) and answers what the rest of the node asks about the mesh. On graceful shutdown it
/// leaves: every linked member hears "left" before the links close.
public actor MeshService: Service {
    /// The mesh's own thread, shared by every `MeshService` in the process: the actor runs
    /// there, so SWIM's timers and the acks it waits for never queue behind request handlers
    /// or behind a flood on one link sharing a thread with them. With the event loops as the
    /// global executor (`ConcurrencyPool`) a flooded hub otherwise fell
    /// behind on another member's acks and suspected it (MeshClusterTests).
    static let thread = MultiThreadedEventLoopGroup(numberOfThreads: 1).next()
    public nonisolated var unownedExecutor: UnownedSerialExecutor { Self.thread.executor.asUnownedSerialExecutor() }

    public let configuration: MeshConfiguration
    let client: MeshClient?
    let logger: Logger
    /// Monotonic time since start; injectable so tests step it.
    let now: @Sendable () -> Duration
    let startedWall: Double
    var membership: Membership
    var links: [String: LinkEntry] = [:]
    var nextToken = 0
    var openLinkRuns = 0
    var dialing: Set<PeerAddress> = []
    var retries: [PeerAddress: Retry] = [:]
    /// Which members to keep links to (full mesh, or a stable random few above the limit).
    var linkPolicy: LinkPolicy
    /// Calls waiting for an on-demand link to a member, by member id then waiter number.
    var linkWaiters: [String: [Int: CheckedContinuation<Void, Never>]] = [:]
    var nextWaiterID = 0
    /// Which node answered at a configured address (so we know when it is linked).
    var addressOwners: [PeerAddress: String] = [:]
    /// Configured addresses that turned out to be ourselves.
    var selfAddresses: Set<PeerAddress> = []
    var revokedSerials: Set<String> = []
    var nextReconcileAt: Duration = .zero
    var stopped = false
    var random = SystemRandomNumberGenerator()
    public let tickInterval: Duration
    /// Answers `join/request` and `join/renew`; only a node holding the CA key has one.
    public private(set) var joinHandler: JoinHandler?

    /// (method, params, caller) → result.
    public typealias JoinHandler = @Sendable (String, JSONValue, MeshCaller) async throws(MeshError) -> JSONValue

    public func setJoinHandler(_ handler: JoinHandler?) { joinHandler = handler }
    /// Stores revocations received from an authority (the wiring writes them to SQLite).
    var revocationSink: (@Sendable ([String]) async -> Void)?
    /// What other modules serve and observe on the links (`MeshService+Calls.swift`).
    var requestHandlers: [String: MeshRequestHandler] = [:]
    var notificationHandlers: [String: MeshNotificationHandler] = [:]
    var memberChangeHandlers: [@Sendable (Member) -> Void] = []
    /// Requests this node sent and still waits for, by JSON-RPC id.
    var pendingCalls: [Int64: PendingCall] = [:]
    var nextCallID: Int64 = 0
    /// Handler tasks running for each peer's requests (bounded by `maxRequestsInFlight`).
    var requestsInFlight: [String: Int] = [:]
    /// The keys of this node's gossiped announcement (member metadata `health`).
    var announcements: [String: JSONValue] = [:]
    /// Client sessions on the mesh port (nil: the node takes none there). Set once at wiring
    /// time from synchronous code, hence a lock rather than actor state.
    nonisolated let clientGatewaySlot = Mutex<ClientGateway?>(nil)
    /// Members' addresses saved by an earlier run, dialed while no link is up
    /// (`MeshService+Remembered.swift`), and what this run saved last.
    var remembered: [PeerAddress] = []
    var savedMembers: [JSONValue] = []
    var nextMembersSaveAt: Duration = .zero

    struct LinkEntry {
        let transport: any MeshTransport
        let outbound: Bool
        let token: Int
        let serial: String?
        let openedAt: Duration
        /// When a call or a request last used the link (for closing idle unchosen links).
        var lastUsed: Duration
        /// Closed on purpose (by us, or the peer said so): not a hint that the peer failed.
        var retiring = false
    }

    struct Retry {
        var backoff = Backoff()
        var nextAttempt: Duration = .zero
    }

    public init(configuration: MeshConfiguration, client: MeshClient?, logger: Logger, tickInterval: Duration = .milliseconds(50),
                now: (@Sendable () -> Duration)? = nil) {
        self.configuration = configuration
        self.client = client
        self.logger = logger
        self.tickInterval = tickInterval
        let clock = ContinuousClock(), epoch = clock.now
        let source = now ?? { clock.now - epoch }
        self.now = source
        startedWall = Date().timeIntervalSince1970
        membership = Membership(selfID: configuration.nodeID, metadata: configuration.selfMetadata(port: configuration.listenPort),
                                timing: configuration.timing, now: source())
        membership.fullMeshLimit = configuration.linkLimits.fullMeshLimit
        linkPolicy = LinkPolicy(limits: configuration.linkLimits)
        remembered = Self.rememberedAddresses(configuration.files)
    }

    public var nodeID: String { configuration.nodeID }

    // MARK: - Running

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.step()
                try await Task.sleep(for: self.tickInterval)
            }
        }
        await leave(drainFor: .seconds(1))
    }

    /// One tick: the state machine's timers, then (every 250 ms) the dial reconciliation.
    public func step() {
        guard !stopped else { return }
        let time = now()
        perform(membership.tick(now: time))
        if time >= nextReconcileAt {
            nextReconcileAt = time + .milliseconds(250)
            reconcileDials(at: time)
        }
        saveMembersIfChanged(at: time)
    }

    /// The listener learned its port (0 was asked for): advertise the real one.
    public func listening(on port: Int) {
        var metadata = configuration.selfMetadata(port: port)
        metadata.health = membership.me.metadata.health
        // The API listener may have reported its real address first (services start
        // concurrently): keep it rather than the configured one (port 0 in tests).
        if membership.me.metadata.apiAddress != configuration.apiAddress {
            metadata.apiAddress = membership.me.metadata.apiAddress
        }
        perform(membership.updateSelf(metadata: metadata, now: now()))
    }

    /// The API listener learned its port: members see the real API address (a base URL).
    public func apiListening(address: String) {
        var metadata = membership.me.metadata
        metadata.apiAddress = address
        perform(membership.updateSelf(metadata: metadata, now: now()))
    }

    /// Says "left" to every linked member, closes the links, and waits (bounded) for them to go.
    public func leave(drainFor limit: Duration) async {
        guard !stopped else { return }
        perform(membership.leave(now: now()))
        stopped = true
        for id in pendingCalls.keys { finishCall(id, .failure(MeshError(.link, "this node is leaving the mesh"))) }
        for peer in linkWaiters.keys { endLinkWait(peer) }
        for entry in links.values { entry.transport.close() }
        let deadline = ContinuousClock.now + limit
        while openLinkRuns > 0, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        logger.notice("mesh: left", metadata: ["node_id": "\(nodeID)"])
    }

    // MARK: - Links

    /// Registers an open, authenticated link. Returns its token, or nil when it must be closed:
    /// a duplicate that loses the tie-break (the link dialed by the smaller node id wins, on
    /// both sides), a revoked certificate, ourselves, a node shutting down, or one link more
    /// than `maxLinks`.
    public func linkOpened(_ transport: any MeshTransport, outbound: Bool, serial: String?) -> Int? {
        let peer = transport.peerID
        guard !stopped, peer != nodeID, Membership.isValidNodeID(peer) else { return nil }
        if let serial, revokedSerials.contains(serial) { return nil }
        guard links[peer] != nil || linkPolicy.acceptsLink(whileHolding: links.count) else {
            logger.info("mesh: link refused, at the link limit", metadata: ["peer": "\(peer)", "links": "\(links.count)"])
            return nil
        }
        let canonical = outbound == (nodeID < peer)
        if let existing = links[peer] {
            let existingCanonical = existing.outbound == (nodeID < peer)
            if existingCanonical && !canonical { return nil }
            existing.transport.close()
        }
        nextToken += 1
        let time = now()
        links[peer] = LinkEntry(transport: transport, outbound: outbound, token: nextToken, serial: serial, openedAt: time, lastUsed: time)
        logger.info("mesh: link up", metadata: ["peer": "\(peer)", "direction": "\(outbound ? "out" : "in")"])
        perform(membership.linkOpened(peer, now: time))
        if configuration.isAuthority { transport.send(revocationMessage()) }
        endLinkWait(peer)
        return nextToken
    }

    /// A link that closes sooner than this after opening was refused or replaced (a
    /// duplicate, the peer's link limit): it says nothing about the peer's health.
    static let shortLinkLimit: Duration = .seconds(1)

    public func linkClosed(_ peer: String, token: Int) {
        guard let entry = links[peer], entry.token == token else { return }
        links[peer] = nil
        failCalls(to: peer)
        logger.info("mesh: link down", metadata: ["peer": "\(peer)", "retired": "\(entry.retiring)"])
        guard !stopped else { return }
        let time = now()
        let unexpected = !entry.retiring && time - entry.openedAt >= Self.shortLinkLimit
        perform(membership.linkClosed(peer, unexpected: unexpected, now: time))
    }

    /// Bookkeeping for `leave`'s drain: every link run (in or out) brackets itself with these.
    public func linkRunStarted() { openLinkRuns += 1 }
    public func linkRunEnded() { openLinkRuns -= 1 }

    /// A SWIM message from a linked peer.
    public func receive(_ message: SwimMessage, from peer: String) {
        guard !stopped, links[peer] != nil else { return }
        perform(membership.receive(message, from: peer, now: now()))
    }

    func perform(_ actions: [MembershipAction]) {
        for action in actions {
            switch action {
            case .send(let message, let peer):
                links[peer]?.transport.send(message.notification.jsonText)
            case .changed(let member):
                logger.notice("mesh: member \(member.state.rawValue)", metadata: [
                    "member": "\(member.id)", "incarnation": "\(member.incarnation)", "address": "\(member.metadata.meshAddress)",
                ])
                if member.state == .left, member.id != nodeID, let entry = links[member.id] {
                    entry.transport.close()
                }
                for handler in memberChangeHandlers { handler(member) }
            }
        }
    }
}

extension MeshConfiguration {
    func selfMetadata(port: Int) -> MemberMetadata {
        MemberMetadata(meshAddress: PeerAddress(host: advertisedHost, port: port).description, apiAddress: apiAddress,
                       version: version, startedAt: startedAt)
    }
}
