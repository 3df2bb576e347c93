import Storage
import Logging

/// One round of config from git: fetch the branch, refuse anything that is not a
/// fast-forward or (with allowed signers) not signed, read and validate every config file of
/// the new tip, apply them in one transaction, then fast-forward the clone. Any failure is
/// recorded in the state with the commit, the file and the reason; the config in force stays.
struct ConfigSync: Sendable {
    let source: ConfigSource
    let database: Database
    let origin: ReplicaOrigin
    /// Where `api_key_env` names are looked up (the node's process environment).
    let environment: [String: String]
    let logger: Logger

    var repository: ConfigRepository { ConfigRepository(source: source) }

    /// Runs one round and returns the state after it; never throws (failures are state).
    @discardableResult
    func pull() async -> ConfigSyncState {
        let repository = self.repository
        if let state = await repository.exclusively({ await round(repository) }) { return state }
        logger.notice("config: another round holds \(source.clonePath).lock; this one is skipped")
        return (try? await ConfigSyncState.load(database)) ?? ConfigSyncState()
    }

    private func round(_ repository: ConfigRepository) async -> ConfigSyncState {
        var tip: String?
        do {
            try await repository.prepare()
            let fetched = try await repository.fetch()
            tip = fetched
            return try await apply(fetched, repository: repository)
        } catch let error as ConfigSyncError {
            return await record(error, commit: tip)
        } catch {
            return await record(ConfigSyncError(.storage, "cannot apply: \(error)"), commit: tip)
        }
    }

    private func apply(_ tip: String, repository: ConfigRepository) async throws -> ConfigSyncState {
        let applied = try await repository.applied()
        let previous = try await ConfigSyncState.load(database)
        if applied == tip, previous.appliedCommit == tip, previous.url == source.url {
            return try await database.write { connection in
                var state = try ConfigSyncState.load(connection)
                state.fetchedCommit = tip
                state.checkedAt = ConfigSyncState.now()
                state.problem = nil
                try state.save(connection)
                return state
            }
        }
        if let applied, applied != tip { try await repository.requireFastForward(from: applied, to: tip) }
        try await repository.requireSignatures(from: applied == tip ? nil : applied, to: tip)
        let files = try await repository.files(at: tip, where: ConfigBundle.isConfigFile, read: ConfigBundle.configFiles)
        let bundle = try ConfigBundle.parse(files)
        let source = self.source, environment = self.environment, origin = self.origin
        let state: ConfigSyncState
        do {
            state = try await database.transaction { connection in
                try bundle.apply(commit: tip, source: source, environment: environment, connection, origin)
            }
        } catch {
            throw ConfigSyncError(.storage, "the database refused the config transaction: \(error)")
        }
        if applied != tip { try await repository.fastForward(to: tip) }
        logger.notice("config: applied commit \(tip.prefix(12)) from \(source.branch)",
                      metadata: ["routes": "\(state.managed.routes.count)", "tiers": "\(state.managed.tiers.count)",
                                 "providers": "\(state.managed.providers.count)", "agents": "\(state.managed.agents.count)"])
        return state
    }

    /// Keeps the failure in the state (logged when it differs from the last one).
    private func record(_ error: ConfigSyncError, commit: String?) async -> ConfigSyncState {
        // git may echo the URL, credentials included.
        let message = error.message.replacing(source.url, with: SecretRedaction.redactURLCredentials(source.url))
        let problem = ConfigSyncState.Problem(code: error.code, message: message, path: error.path, commit: commit,
                                              at: ConfigSyncState.now())
        do {
            let (state, changed) = try await database.write { connection in
                var state = try ConfigSyncState.load(connection)
                let changed = state.problem.map { ($0.code, $0.message, $0.path, $0.commit) != (problem.code, problem.message, problem.path, problem.commit) } ?? true
                state.problem = problem
                state.checkedAt = problem.at
                if let commit { state.fetchedCommit = commit }
                try state.save(connection)
                return (state, changed)
            }
            if changed {
                logger.warning("config: \(commit.map { "commit \($0.prefix(12)) " } ?? "")not applied: \(problem.path.map { "\($0): " } ?? "")\(message)",
                               metadata: ["code": "\(error.code.rawValue)"])
            }
            return state
        } catch {
            logger.error("config: cannot record the sync state: \(error)")
            var state = ConfigSyncState()
            state.problem = problem
            return state
        }
    }
}
