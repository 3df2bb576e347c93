public import Logging
public import Mesh
public import Net
public import ServiceLifecycle
public import Storage
import FoundationEssentials

/// Replication over the mesh links (issue 13): pushes this node's new log rows to every
/// linked member within one push interval of commit, pulls from each member every
/// anti-entropy round (10 s ± 20 %) when its digest shows rows we have not pulled, and
/// bootstraps from a snapshot when this node has never synced or has been away past the
/// tombstone horizon. Wire methods: `SyncService+Handlers`; snapshots: `+Snapshot`.
public actor SyncService: Service {
    public let store: ReplicationStore
    let mesh: MeshService
    let configuration: SyncConfiguration
    let logger: Logger
    let outbox: SnapshotOutbox
    /// The newest own log seq already pushed (pushes carry `(lastPushed, through]`).
    private var lastPushed: Int64?
    private var pulling: Set<String> = []
    private var aliveMembers: Set<String> = []
    var snapshotting = false
    /// What the last snapshot install did, for the status view.
    var lastSnapshot: JSONValue = .null
    /// Peers whose last digest showed a clock ahead beyond the limit, with the gap in ms.
    var skewedPeers: [String: Int64] = [:]
    /// True from start until this node has installed a snapshot, when it needs one (never
    /// synced, or away past the tombstone horizon): pushes are ignored meanwhile (the
    /// snapshot and the pull after it cover them), so a push cannot mark it as synced.
    var bootstrapPending = true
    /// Filled by the git-config side (issue 13 "Config from git"); null until then.
    public var configCommit: String?

    public init(store: ReplicationStore, mesh: MeshService, configuration: SyncConfiguration, logger: Logger) {
        self.store = store
        self.mesh = mesh
        self.configuration = configuration
        self.logger = logger
        self.outbox = SnapshotOutbox(store: store, configuration: configuration)
    }

    public func setConfigCommit(_ commit: String?) { configCommit = commit }

    public func run() async throws {
        try? FileManager.default.createDirectory(atPath: configuration.directory, withIntermediateDirectories: true)
        await outbox.removeLeftovers()
        lastPushed = try? await store.head()
        try? await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.pushLoop() }
                group.addTask { await self.antiEntropyLoop() }
            }
        }
    }

    // MARK: push

    private func pushLoop() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: configuration.pushInterval)
                try await pushNewRows()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("sync push failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Sends every row committed since the last push, in pages, to every linked member.
    /// A member that misses one (queue full, link down) fills the gap by its next pull.
    func pushNewRows() async throws {
        guard let from = lastPushed else { lastPushed = try await store.head(); return }
        var after = from
        while true {
            let head = try await store.head()
            guard head > after else { break }
            let batch = try await store.changes(after: after, limit: configuration.pageLimit)
            if !batch.rows.isEmpty {
                let params = batch.json
                for peer in await mesh.linkedPeers { await mesh.notify(peer, method: "sync/push", params: params) }
            }
            after = batch.through
            if !batch.more { break }
        }
        lastPushed = after
    }

    func skipPushes(through seq: Int64) {
        lastPushed = max(lastPushed ?? seq, seq)
    }

    // MARK: pull

    /// Pulls from `peer` as soon as its link is up (a member that joined, came back from a
    /// partition or restarted), instead of waiting for the next anti-entropy round.
    func memberChanged(_ peer: String, alive: Bool) async {
        guard peer != store.nodeID else { return }
        // Metadata changes (announcements) also arrive here: only a change to alive pulls.
        let was = aliveMembers.contains(peer)
        if alive { aliveMembers.insert(peer) } else { aliveMembers.remove(peer) }
        if alive && !was { await pullWhenLinked(peer) }
    }

    public func pullWhenLinked(_ peer: String) async {
        for _ in 0..<40 {
            if await mesh.linkedPeers.contains(peer) {
                await pull(from: peer)
                return
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    private func antiEntropyLoop() async {
        // The first round soon after start: a node that joins (or restarts) catches up at once.
        var delay = Duration.milliseconds(300)
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: delay)
            } catch {
                return
            }
            await antiEntropyRound()
            let base = configuration.antiEntropyInterval
            let factor = 1 + Double.random(in: -configuration.jitter...configuration.jitter)
            delay = base * factor
        }
    }

    /// Pulls from every linked member (concurrently), then collects acknowledged tombstones.
    public func antiEntropyRound() async {
        let peers = await mesh.linkedPeers
        await withTaskGroup(of: Void.self) { group in
            for peer in peers { group.addTask { await self.pull(from: peer) } }
        }
        await collectTombstones()
    }

    /// One catch-up with `peer`: its digest, a snapshot when this node needs one, then pages of
    /// its log from our cursor until we hold its head. Errors are logged; the next round retries.
    public func pull(from peer: String) async {
        guard pulling.insert(peer).inserted else { return }
        defer { pulling.remove(peer) }
        do {
            let digest = try await call(peer, "sync/digest", [:])
            guard let epoch = digest["epoch"]?.stringValue, let head = digest["head"]?.intValue, head >= 0,
                  let now = digest["now_ms"]?.intValue else {
                throw SyncError(.malformed, "\(peer): sync/digest answer lacks epoch, head (0 or more) or now_ms")
            }
            let vector = try VersionVector(json: digest["vector"])
            try await store.recordDigest(from: peer, epoch: epoch, head: head, vector: vector)
            let ahead = now.subtractingReportingOverflow(Int64(clamping: store.clock.wallMilliseconds))
            if ahead.overflow || ahead.partialValue > store.maxClockSkewMilliseconds {
                skewedPeers[peer] = ahead.overflow ? Int64.max : ahead.partialValue
                logger.warning("sync: peer clock ahead beyond the limit; not pulling", metadata: ["peer": "\(peer)"])
                return
            }
            skewedPeers[peer] = nil
            if !bootstrapPending, try await needsSnapshot() { bootstrapPending = true }
            if bootstrapPending {
                // One snapshot at a time; pulls from other peers wait for the next round.
                guard !snapshotting else { return }
                // Never from a peer that is waiting for its own first snapshot: its copy is no
                // source. When both wait, the lower id is the source, so they cannot deadlock.
                if digest["bootstrapping"]?.boolValue == true, peer > (await mesh.snapshot()).selfID {
                    logger.info("sync: peer is bootstrapping too; snapshot from another member", metadata: ["peer": "\(peer)"])
                    return
                }
                try await fetchSnapshot(from: peer)
                bootstrapPending = false
            }
            while true {
                let cursor = try await store.cursor(for: peer, epoch: epoch)
                guard cursor < head else { break }
                let page = try await call(peer, "sync/changes", ["after": .int(cursor), "limit": .int(Int64(configuration.pageLimit))])
                let batch = try ChangeBatch(json: page)
                try await store.apply(batch, from: peer)
                guard batch.more, batch.through > cursor else { break }
            }
            // Holding the peer's whole log as of its digest, we know what it knew then.
            if try await store.cursor(for: peer, epoch: epoch) >= head { try await store.merge(vector) }
        } catch let refusal as Refusal {
            if refusal.reason == .clockSkew { skewedPeers[peer] = store.maxClockSkewMilliseconds + 1 }
            logger.warning("sync: batch refused", metadata: ["peer": "\(peer)", "reason": "\(refusal)"])
        } catch {
            logger.info("sync: pull failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }

    /// A node that never synced, or not within the tombstone horizon, starts from a snapshot.
    func needsSnapshot() async throws -> Bool {
        let last = try await store.lastSyncMilliseconds()
        let now = Int64(clamping: store.clock.wallMilliseconds)
        return last == 0 || now - last > configuration.tombstoneHorizonMilliseconds
    }

    /// A batch pushed by a member: applied at once; a gap before it makes us pull.
    func receivePush(_ params: JSONValue, from peer: String) async {
        guard !bootstrapPending else { return }
        do {
            let batch = try ChangeBatch(json: params)
            let outcome = try await store.apply(batch, from: peer)
            if outcome.cursor < batch.after {
                Task { await self.pull(from: peer) }
            }
        } catch let refusal as Refusal {
            if refusal.reason == .clockSkew { skewedPeers[peer] = store.maxClockSkewMilliseconds + 1 }
            logger.warning("sync: pushed batch refused", metadata: ["peer": "\(peer)", "reason": "\(refusal)"])
        } catch {
            logger.warning("sync: pushed batch failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }

    /// Drops tombstones every current member has acknowledged (its last digest's vector
    /// covers them) and that are older than the horizon. With any member unheard, none go.
    func collectTombstones() async {
        do {
            let snapshot = await mesh.snapshot()
            let members = Set(snapshot.members.map(\.member.id)).subtracting([snapshot.selfID])
            try await store.forgetPeers(except: members)
            let live = snapshot.members.filter { !$0.member.state.isGone && $0.member.id != snapshot.selfID }.map(\.member.id)
            let states = Dictionary(try await store.peerStates().map { ($0.peer, $0) }, uniquingKeysWith: { a, _ in a })
            var vectors = [try await store.vector()]
            for member in live {
                guard let state = states[member], state.heardMilliseconds > 0 else { return }
                vectors.append(state.vector)
            }
            let dropped = try await store.collectTombstones(acknowledged: VersionVector.minimum(of: vectors),
                                                            horizonMilliseconds: configuration.tombstoneHorizonMilliseconds)
            if dropped > 0 { logger.info("sync: collected tombstones", metadata: ["rows": "\(dropped)"]) }
        } catch {
            logger.warning("sync: tombstone collection failed", metadata: ["error": "\(error)"])
        }
    }

    func call(_ peer: String, _ method: String, _ params: JSONValue) async throws -> JSONValue {
        do {
            return try await mesh.call(peer, method: method, params: params, timeout: configuration.callTimeout)
        } catch {
            throw SyncError(.link, "\(method) to \(peer): \(error)")
        }
    }
}
