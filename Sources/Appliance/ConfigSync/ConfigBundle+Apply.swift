import Core
import Auth
import Gateway
import MCP
import Storage

extension ConfigBundle {
    /// Writes the bundle through the stores' connection-level writers and records `commit` as
    /// applied, all in the caller's transaction. Objects a previous commit applied that are
    /// gone from this one are removed (tombstoned); objects made by hand are never touched
    /// unless the repository names them.
    func apply(commit: String, source: ConfigSource, environment: [String: String],
               _ connection: Connection, _ origin: ReplicaOrigin) throws -> ConfigSyncState {
        var state = try ConfigSyncState.load(connection)
        let before = state.managed
        var after = ConfigSyncState.Managed()

        let routes = self.routes ?? [:]
        for (task, models) in routes { try RouteStore.write(task, models: models, connection, origin) }
        after.routes = routes.keys.map(\.rawValue).sorted()
        // Sets: a 1 MiB file names 130,000 entries, and an array lookup per old name is n · m.
        let keptRoutes = Set(after.routes)
        for name in before.routes where !keptRoutes.contains(name) {
            if let task = TaskKind(rawValue: name) { try RouteStore.reset(task, connection, origin) }
        }

        let tiers = self.tiers ?? []
        for tier in tiers { try TierStore.write(tier, connection, origin) }
        after.tiers = tiers.map(\.name).sorted()
        let keptTiers = Set(after.tiers)
        for name in before.tiers where !keptTiers.contains(name) { try TierStore.remove(name, connection, origin) }

        let providers = self.providers ?? []
        for provider in providers {
            let key = provider.apiKeyVariable.flatMap { environment[$0] } ?? ""
            try ProviderStore.write(name: provider.name, kind: provider.kind, baseURL: provider.baseURL, apiKey: key,
                                    weight: provider.weight, local: provider.local, streamUsage: provider.streamUsage,
                                    connection, origin)
        }
        after.providers = providers.map(\.name).sorted()
        let keptProviders = Set(after.providers)
        for name in before.providers where !keptProviders.contains(name) { try ProviderStore.remove(name: name, connection, origin) }

        let agents = self.agents ?? []
        for agent in agents { try AgentStore.write(agent, connection, origin) }
        after.agents = agents.map(\.name).sorted()
        let keptAgents = Set(after.agents)
        for name in before.agents where !keptAgents.contains(name) { try AgentStore.remove(name, connection, origin) }

        let prompts = self.prompts ?? [:]
        if !prompts.isEmpty || !before.prompts.isEmpty { try SystemPromptStore.write(prompts, connection) }
        after.prompts = prompts.keys.map(\.rawValue).sorted()

        let now = ConfigSyncState.now()
        state.url = source.url
        state.branch = source.branch
        state.managed = after
        state.appliedCommit = commit
        state.appliedAt = now
        state.fetchedCommit = commit
        state.checkedAt = now
        state.problem = nil
        state.release = release
        try state.save(connection)
        return state
    }
}
