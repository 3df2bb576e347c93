import Logging
import Mesh
import Net
import Storage
import Sync
import ServiceLifecycle
import FoundationEssentials

/// Rolling updates on a meshed node with config from git: on every member change and every
/// `checkInterval` it decides (`RolloutDecision`) from release.json's target, the members'
/// gossiped versions and `deploy` announcements, and this data dir's trial and halt records.
/// On its turn it fetches the target (from a member running it, else the manifest URL),
/// checks size and sha256, installs it beside `current`, writes the trial record and asks for
/// a drained restart into the new binary; the new process runs the health gate and either
/// confirms the release (switches `current`) or records `deploy/failed` and execs the old one.
actor RolloutService: Service {
    struct Settings: Sendable {
        var checkInterval: Duration
        var hold: Duration
        var gateTimeout: Duration
    }

    let mesh: MeshService
    let sync: SyncService
    let database: Database
    let download: ReleaseDownload
    let records: RolloutRecords
    let settings: Settings
    let serving: ListenerState
    let restart: ProcessRestart
    let logger: Logger
    let running: String
    let selfID: String

    var directory: ReleaseDirectory { download.directory }
    /// What the last round decided, and the last failure to fetch or install, for the report.
    private(set) var lastDecision = "not run yet"
    private(set) var lastError: String?
    private var announced: RolloutAnnouncement?
    private var restarting = false

    init(mesh: MeshService, sync: SyncService, database: Database, download: ReleaseDownload, records: RolloutRecords,
         settings: Settings, serving: ListenerState, restart: ProcessRestart, logger: Logger, running: String, selfID: String) {
        self.mesh = mesh
        self.sync = sync
        self.database = database
        self.download = download
        self.records = records
        self.settings = settings
        self.serving = serving
        self.restart = restart
        self.logger = logger
        self.running = running
        self.selfID = selfID
    }

    func run() async throws {
        let (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        await mesh.onMemberChange { _ in wake.yield() }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: settings.checkInterval)
                wake.yield()
            }
        }
        defer { ticker.cancel() }
        await cancelWhenGracefulShutdown {
            await self.round()
            for await _ in wakes {
                if Task.isCancelled { break }
                await self.round()
            }
        }
    }

    /// The state for `GET /v1/admin/sync/config` and the `status` tool.
    func status() -> JSONValue {
        ["running": .string(running), "decision": .string(lastDecision), "last_error": lastError.map(JSONValue.string) ?? .null,
         "announced": announced?.json ?? .null]
    }

    // MARK: - One round

    func round() async {
        guard !restarting else { return }
        let target = (try? await ConfigSyncState.load(database))?.release
        var halt = records.halt()
        if let known = halt, known.version != target?.version {
            records.removeHalt()
            logger.notice("rollout: release.json names \(target?.version ?? "no release"); the halt for \(known.version) is cleared")
            await audit("rollout.cleared", target: known.version, detail: "release.json names \(target?.version ?? "no release")", outcome: "ok")
            halt = nil
        }
        let snapshot = await mesh.snapshot()
        let plan = target.map { RolloutPlan(target: $0.version, snapshot: snapshot) }
        let decision = RolloutDecision.decide(selfID: selfID, running: running, target: target?.version,
                                              trial: records.trial(), halt: halt, plan: plan)
        switch decision {
        case .idle(let reason):
            note(reason)
            await announce(.steady, healthy: await localProblem() == nil, failed: nil)
        case .halted(let known):
            if halt != known { await persist(known, log: "rollout: halted: \(known.summary)") }
            note("halted: \(known.summary)")
            await announce(.steady, healthy: await localProblem() == nil, failed: known)
        case .trialCrashed(let trial):
            let failure = RolloutHalt(version: trial.version, node: selfID,
                                      reason: "release \(trial.version) exited before passing its health gate; \(running) was started again",
                                      at: Self.nowSeconds())
            await persist(failure, log: "rollout: \(failure.summary); deploy/failed announced")
            records.removeTrial()
            note("halted: \(failure.summary)")
            await announce(.steady, healthy: await localProblem() == nil, failed: failure)
        case .gate(let trial):
            await runGate(trial)
        case .upgrade:
            if let target { await upgrade(to: target, snapshot: snapshot) }
        }
    }

    private func note(_ decision: String) {
        if decision != lastDecision { logger.info("rollout: \(decision)") }
        lastDecision = decision
    }

    private func persist(_ halt: RolloutHalt, log message: String) async {
        do {
            try records.save(halt)
        } catch {
            logger.error("rollout: cannot record the halt: \(error)")
        }
        logger.warning("\(message)")
        await audit("rollout.failed", target: halt.version, detail: "\(halt.node): \(halt.reason)", outcome: "halted")
    }

    /// One row per rollout step in the node's audit log (admin console, `GET /v1/admin/audit`).
    private func audit(_ action: String, target: String, detail: String, outcome: String) async {
        do {
            try await AuditStore(database: database).record(actor: "rollout", action: action, target: target, detail: detail, outcome: outcome)
        } catch {
            logger.warning("rollout: cannot write the audit row: \(error)")
        }
    }

    private func announce(_ phase: RolloutAnnouncement.Phase, healthy: Bool, failed: RolloutHalt?) async {
        let announcement = RolloutAnnouncement(phase: phase, healthy: healthy, failed: failed)
        guard announcement != announced else { return }
        announced = announcement
        await mesh.announce(RolloutAnnouncement.key, announcement.json)
    }

    /// This node's own readiness: serving, and the database takes a write.
    private func localProblem() async -> String? {
        guard serving.port != nil else { return "the API is not serving yet" }
        do {
            try await database.probeWritable()
            return nil
        } catch {
            return "the database is not writable: \(error)"
        }
    }

    // MARK: - Upgrade

    private func upgrade(to manifest: ReleaseManifest, snapshot: MeshSnapshot) async {
        let version = manifest.version
        guard let artifact = manifest.artifactForThisMachine else {
            note("release.json names no artifact for \(ReleaseManifest.machine); this node cannot update to \(version)")
            return
        }
        guard directory.installed().contains(running) else {
            note("this node runs \(running), which is not installed under \(directory.releases): install it (`triforce release install`) so a failed update can roll back")
            return
        }
        note("this node's turn: updating \(running) -> \(version)")
        await announce(.installing, healthy: true, failed: nil)
        do {
            let bytes = try await fetch(manifest, artifact: artifact, snapshot: snapshot)
            _ = try await download.place(bytes, artifact: artifact, version: version)
        } catch {
            lastError = "\(error)"
            logger.warning("rollout: cannot fetch release \(version); retrying next round: \(error)")
            return
        }
        let binary = directory.binary(of: version)
        let reported: String
        do {
            reported = try await ReleaseBinary.version(of: binary)
        } catch {
            return await fail(version, reason: "\(error)")
        }
        guard reported == version else {
            return await fail(version, reason: "the binary reports version \(reported), release.json says \(version)")
        }
        let alive = snapshot.members.filter { $0.member.state == .alive && $0.member.id != selfID }.map(\.member.id).sorted()
        let trial = RolloutTrial(version: version, previous: running, startedAtMilliseconds: Self.nowMilliseconds(), members: alive)
        do {
            try records.save(trial)
        } catch {
            lastError = "\(error)"
            logger.error("rollout: cannot write the trial record; not restarting: \(error)")
            return
        }
        lastError = nil
        restarting = true
        note("restarting into \(version) on trial")
        await announce(.restarting, healthy: false, failed: nil)
        logger.notice("rollout: release \(version) verified and installed; draining and restarting into it on trial",
                      metadata: ["binary": "\(binary)", "previous": "\(running)"])
        await audit("rollout.restart", target: version, detail: "from \(running); trial recorded, exec \(binary)", outcome: "ok")
        await restart.request(binary: binary)
    }

    /// The target's bytes from a member that runs it (over the link already open), else the URL.
    // Not optimized: Swift 6.3.1's LLVM crashes (signal 11) splitting this coroutine in release
    // builds. It runs once per rollout, so nothing is lost.
    @_optimize(none)
    private func fetch(_ manifest: ReleaseManifest, artifact: ReleaseManifest.Artifact, snapshot: MeshSnapshot) async throws -> [UInt8] {
        let holders = snapshot.members.filter {
            $0.member.id != selfID && $0.member.state == .alive && $0.linked && $0.member.metadata.version == manifest.version
        }.map(\.member.id)
        for peer in holders {
            if let bytes = await fetch(manifest, artifact: artifact, from: peer) { return bytes }
        }
        guard let url = artifact.url else {
            throw ReleaseError(.invalidArgument, "no member runs \(manifest.version) yet and release.json gives no url for \(ReleaseManifest.machine)")
        }
        let bytes = try await download.download(url, size: artifact.size)
        logger.notice("rollout: downloaded release \(manifest.version) from its URL")
        return bytes
    }

    /// One member's copy, or nil (logged) when it cannot send it.
    private func fetch(_ manifest: ReleaseManifest, artifact: ReleaseManifest.Artifact, from peer: String) async -> [UInt8]? {
        let mesh = self.mesh
        do {
            let bytes = try await ReleaseTransfer.fetch(version: manifest.version, size: artifact.size, from: peer) { params in
                try await mesh.call(peer, method: ReleaseTransfer.method, params: params, timeout: .seconds(60))
            }
            logger.notice("rollout: fetched release \(manifest.version) from member \(peer)")
            return bytes
        } catch {
            logger.warning("rollout: member \(peer) could not send release \(manifest.version): \(error)")
            return nil
        }
    }

    /// The release itself is broken (it does not run here, or says another version): halt.
    private func fail(_ version: String, reason: String) async {
        let halt = RolloutHalt(version: version, node: selfID, reason: reason, at: Self.nowSeconds())
        await persist(halt, log: "rollout: \(halt.summary); deploy/failed announced")
        note("halted: \(halt.summary)")
    }

    // MARK: - Health gate

    private func runGate(_ trial: RolloutTrial) async {
        note("release \(trial.version) on trial: running the health gate")
        await announce(.gate, healthy: false, failed: nil)
        let clock = ContinuousClock()
        let origin = clock.now
        var gate = HealthGate(hold: settings.hold, timeout: settings.gateTimeout, start: .zero)
        var lastPending = ""
        while !Task.isCancelled {
            let snapshot = await mesh.snapshot()
            let peers = (try? await sync.store.peerStates()).map(HealthGate.replication)
            let entry = HealthGate.entryProblem(trial: trial, selfID: selfID, snapshot: snapshot, peers: peers)
            switch gate.observe(entry: entry, local: await localProblem(), at: clock.now - origin) {
            case .pending(let why):
                if why != lastPending { logger.info("rollout: gate for \(trial.version): \(why)") }
                lastPending = why
                try? await Task.sleep(for: .milliseconds(500))
            case .passed:
                return await confirm(trial)
            case .failed(let reason):
                return await rollBack(trial, reason: reason)
            }
        }
    }

    private func confirm(_ trial: RolloutTrial) async {
        do {
            try directory.makeCurrent(trial.version)
        } catch {
            return await rollBack(trial, reason: "cannot switch current to it: \(error)")
        }
        records.removeTrial()
        logger.notice("rollout: release \(trial.version) passed its health gate and is current (previous: \(trial.previous))")
        await audit("rollout.confirm", target: trial.version, detail: "health gate passed; previous \(trial.previous)", outcome: "ok")
        note("confirmed \(trial.version)")
        await announce(.steady, healthy: true, failed: nil)
    }

    /// Records and announces the failure, then execs the release that is still `current`.
    private func rollBack(_ trial: RolloutTrial, reason: String) async {
        let halt = RolloutHalt(version: trial.version, node: selfID, reason: "health gate failed: " + reason, at: Self.nowSeconds())
        await persist(halt, log: "rollout: \(halt.summary); deploy/failed announced, rolling back to \(trial.previous)")
        records.removeTrial()
        note("halted: \(halt.summary)")
        await announce(.restarting, healthy: false, failed: halt)
        let back = directory.current.map(directory.binary(of:)) ?? directory.binary(of: trial.previous)
        restarting = true
        await restart.request(binary: back)
    }

    static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
    static func nowSeconds() -> Int64 { Int64(Date().timeIntervalSince1970) }
}
