import Core
import Auth
import Gateway
import MCP
import Net
import FoundationEssentials

/// The declarative config of one commit: each top-level file that is present replaces that
/// kind of object wholesale. Parsed and validated whole before anything is written, so an
/// invalid file leaves the previous config in force.
struct ConfigBundle: Sendable, Equatable {
    /// A provider from `providers.json`; its key comes from the node's environment
    /// (`api_key_env`), never from the repository.
    struct Provider: Sendable, Equatable {
        var name: String
        var kind: ProviderKind
        var baseURL: String
        var apiKeyVariable: String?
        var weight: Double
        var local: Bool?
        var streamUsage: Bool
    }

    /// nil: the file is absent (objects this repository applied before are removed).
    var routes: [TaskKind: [String]]?
    var tiers: [Tier]?
    var providers: [Provider]?
    var agents: [AgentStore.Agent]?
    var prompts: [TaskKind: String]?
    /// `release.json`: the release the mesh should run (rolled out by the guardian).
    var release: ReleaseManifest?

    static let routesFile = "routes.json", tiersFile = "tiers.json", providersFile = "providers.json", agentsFile = "agents.json", promptsFile = "prompts.json"
    static let configFiles: Set<String> = [routesFile, tiersFile, providersFile, agentsFile, promptsFile, ReleaseManifest.file]

    /// Which top-level files are read: every `.json` file, so an unknown one is reported.
    static func isConfigFile(_ name: String) -> Bool { name.hasSuffix(".json") }

    static func parse(_ files: [String: String]) throws(ConfigSyncError) -> ConfigBundle {
        for name in files.keys.sorted() where !configFiles.contains(name) {
            throw ConfigSyncError(.invalid, "unknown config file; expected \(configFiles.sorted().joined(separator: ", "))",
                                  path: name)
        }
        var bundle = ConfigBundle()
        if let text = files[routesFile] { bundle.routes = try parseRoutes(try json(text, path: routesFile)) }
        if let text = files[tiersFile] { bundle.tiers = try parseTiers(try json(text, path: tiersFile)) }
        if let text = files[providersFile] { bundle.providers = try parseProviders(try json(text, path: providersFile)) }
        if let text = files[agentsFile] { bundle.agents = try parseAgents(try json(text, path: agentsFile)) }
        if let text = files[promptsFile] { bundle.prompts = try parsePrompts(try json(text, path: promptsFile)) }
        if let text = files[ReleaseManifest.file] { bundle.release = try ReleaseManifest.parse(text) }
        return bundle
    }

    static func json(_ text: String, path: String) throws(ConfigSyncError) -> [String: JSONValue] {
        let value: JSONValue
        do {
            value = try JSONParser().parse(text)
        } catch {
            throw ConfigSyncError(.invalid, "not valid JSON: \(error)", path: path)
        }
        guard let object = value.objectValue else {
            throw ConfigSyncError(.invalid, "expected a JSON object keyed by name", path: path)
        }
        return object
    }

    static func parseRoutes(_ object: [String: JSONValue]) throws(ConfigSyncError) -> [TaskKind: [String]] {
        var routes: [TaskKind: [String]] = [:]
        for (name, value) in object {
            guard let task = TaskKind(rawValue: name) else {
                throw ConfigSyncError(.invalid, "\"\(name)\" is not a task; expected \(TaskKind.allCases.map(\.rawValue).joined(separator: ", "))",
                                      path: routesFile)
            }
            try ConfigFields.requireStrings(value, maxCount: 64, maxBytes: 256) { ConfigSyncError(.invalid, "\(name): \($0)", path: routesFile) }
            let models = value.arrayValue?.compactMap(\.stringValue) ?? []
            guard !models.isEmpty, models.allSatisfy({ !$0.trimmed().isEmpty }) else {
                throw ConfigSyncError(.invalid, "\(name): expected at least one model id, none empty", path: routesFile)
            }
            routes[task] = models
        }
        return routes
    }

    static func parsePrompts(_ object: [String: JSONValue]) throws(ConfigSyncError) -> [TaskKind: String] {
        var prompts: [TaskKind: String] = [:]
        for (name, value) in object {
            guard let task = TaskKind(rawValue: name) else {
                throw ConfigSyncError(.invalid, "\"\(name)\" is not a task; expected \(TaskKind.allCases.map(\.rawValue).joined(separator: ", "))",
                                      path: promptsFile)
            }
            guard let prompt = value.stringValue, !prompt.trimmed().isEmpty else {
                throw ConfigSyncError(.invalid, "\(name): expected the system prompt as a non-empty string", path: promptsFile)
            }
            guard prompt.utf8.count <= SystemPromptStore.maxBytes else {
                throw ConfigSyncError(.invalid, "\(name): longer than \(SystemPromptStore.maxBytes) bytes", path: promptsFile)
            }
            prompts[task] = prompt
        }
        return prompts
    }

    static let knownFeatures: Set<String> = ["chat", "memory", "agents", "code", "code_write", "web", "shell", "mesh", "admin"]

    static func parseTiers(_ object: [String: JSONValue]) throws(ConfigSyncError) -> [Tier] {
        var tiers: [Tier] = []
        for name in object.keys.sorted() {
            var fields = try ConfigFields(object[name] ?? .null, path: tiersFile, context: name)
            let description = try fields.string("description", maxBytes: 1_024) ?? ""
            let limit = try fields.int("requests_per_hour", in: 0...1_000_000_000)
            let features = try fields.strings("features", maxCount: 32, maxBytes: 64) ?? []
            if let unknown = features.first(where: { !knownFeatures.contains($0) }) {
                throw fields.fail("features", "unknown feature \"\(unknown)\"; expected \(knownFeatures.sorted().joined(separator: ", "))")
            }
            var rule = ModelsRule()
            if let value = fields.value("models") {
                do {
                    rule = try JSONDecoder().decode(ModelsRule.self, from: value.encoded())
                } catch {
                    throw fields.fail("models", #"expected a models rule such as {"all": true} or {"classes": ["local"], "max": 5}"#)
                }
                if let max = rule.max, max < 0 { throw fields.fail("models", "max must be >= 0") }
            }
            try fields.finish()
            let tier = Tier(name: name, description: description, requestsPerHour: limit.map { Int($0) },
                            features: Set(features.map(Feature.init(rawValue:))), modelsRule: rule)
            if let problem = TierStore.problem(with: tier) { throw ConfigSyncError(.invalid, "\(name): \(problem)", path: tiersFile) }
            tiers.append(tier)
        }
        return tiers
    }

    static func parseProviders(_ object: [String: JSONValue]) throws(ConfigSyncError) -> [Provider] {
        var providers: [Provider] = []
        for name in object.keys.sorted() {
            var fields = try ConfigFields(object[name] ?? .null, path: providersFile, context: name)
            let kindName = try fields.string("kind", maxBytes: 64) ?? ProviderKind.openaiCompatible.rawValue
            guard let kind = ProviderKind(rawValue: kindName) else {
                throw fields.fail("kind", "expected one of \(ProviderKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let baseURL = try fields.string("base_url", maxBytes: 2_048) else { throw fields.fail("base_url", "required") }
            let variable = try fields.string("api_key_env", maxBytes: 128)
            if let variable, !isVariableName(variable) {
                throw fields.fail("api_key_env", "expected an environment variable name (A-Z, 0-9, _); keys never go in the repository")
            }
            if fields.value("api_key") != nil {
                throw fields.fail("api_key", "keys never go in the repository; name an environment variable in api_key_env")
            }
            let weight = try fields.double("weight") ?? 1
            let local = try fields.bool("local")
            let streamUsage = try fields.bool("stream_usage") ?? true
            try fields.finish()
            do {
                try ProviderStore.validate(name: name, baseURL: baseURL, weight: weight)
            } catch {
                throw ConfigSyncError(.invalid, "\(name): \(error)", path: providersFile)
            }
            providers.append(Provider(name: name, kind: kind, baseURL: baseURL, apiKeyVariable: variable, weight: weight,
                                      local: local, streamUsage: streamUsage))
        }
        return providers
    }

    /// `[A-Z_][A-Z0-9_]*`: an environment variable name, never a key.
    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.utf8.first, first < UInt8(ascii: "0") || first > UInt8(ascii: "9") else { return false }
        return name.utf8.allSatisfy { ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") }
    }

    static func parseAgents(_ object: [String: JSONValue]) throws(ConfigSyncError) -> [AgentStore.Agent] {
        var agents: [AgentStore.Agent] = []
        for name in object.keys.sorted() {
            var fields = try ConfigFields(object[name] ?? .null, path: agentsFile, context: name)
            guard let argv = try fields.strings("argv", maxCount: 64, maxBytes: 4_096) else { throw fields.fail("argv", "required") }
            let workdir = try fields.string("workdir", maxBytes: 1_024) ?? ""
            let timeout = try fields.int("timeout_seconds", in: 1...86_400) ?? 300
            let interpolation = try fields.bool("allow_shell_interpolation") ?? false
            try fields.finish()
            let agent = AgentStore.Agent(name: name, argv: argv, workdir: workdir, timeoutSeconds: Int(timeout),
                                         allowShellInterpolation: interpolation)
            if let problem = AgentStore.problem(with: agent) { throw ConfigSyncError(.invalid, "\(name): \(problem)", path: agentsFile) }
            agents.append(agent)
        }
        return agents
    }
}
