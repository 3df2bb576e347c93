import ArgumentParser
import Gateway
import Storage
import Net
import FoundationEssentials

/// `triforce provider add NAME URL | list | remove NAME`: the `providers` table. The key
/// comes from an environment variable named by `--key-env` or from stdin (`--key-stdin`),
/// never from argv (visible to every local user in `ps`). A running server picks changes up
/// within a second.
struct ProviderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "provider", abstract: "Add, list or remove upstream providers (any OpenAI-compatible endpoint).",
        subcommands: [Add.self, List.self, Remove.self])

    static func open(_ data: DataOptions) async -> (Node, ProviderStore) {
        let ring = LogRing()
        let logger = Startup.bootstrapLogging(flags: data.flags, ring: ring)
        let node = await Startup.openNode(flags: data.flags, ring: ring, logger: logger)
        return (node, ProviderStore(database: node.database, origin: ReplicaOrigin(nodeID: node.identity.nodeID, clock: node.clock)))
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Add or replace a provider.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Name: the first part of its model ids (letters, digits, - or _)") var name: String
        @Argument(help: "Base URL, e.g. http://127.0.0.1:8080/v1 (the part before /chat/completions)") var url: String
        @Option(help: "Wire format: openai-compatible (default), openai, anthropic, gemini, ollama or cloudflare") var kind = "openai-compatible"
        @Option(name: .customLong("key-env"), help: "Name of the environment variable holding the API key") var keyEnv: String?
        @Flag(name: .customLong("key-stdin"), help: "Read the API key from the first line of stdin") var keyStdin = false
        @Option(help: "Balancing weight when several providers serve the same model") var weight: Double = 1
        @Flag(inversion: .prefixedNo, help: "Treat as a local runtime (default: when the URL is loopback)") var local: Bool?
        @Flag(name: .customLong("no-stream-usage"), help: "Do not send stream_options.include_usage (some hosts refuse it)") var noStreamUsage = false

        func validate() throws {
            guard ProviderKind(rawValue: kind) != nil else {
                let known: String = ProviderKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw ValidationError("unknown kind '\(kind)'; use one of: \(known)")
            }
            if keyEnv != nil && keyStdin { throw ValidationError("use --key-env or --key-stdin, not both") }
        }

        func run() async throws {
            let key = try readKey()
            let (node, store) = await ProviderCommand.open(data)
            do {
                try await store.add(name: name, kind: ProviderKind(rawValue: kind) ?? .openaiCompatible, baseURL: url, apiKey: key,
                                    weight: weight, local: local, streamUsage: !noStreamUsage)
            } catch let error as ProviderStoreError {
                await node.database.close()
                throw ValidationError(error.description)
            }
            await node.database.close()
            print("\(name)\t\(kind)\t\(url)\tkey \(key.isEmpty ? "none" : "set")")
        }

        func readKey() throws -> String {
            if let keyEnv {
                guard let value = ProcessInfo.processInfo.environment[keyEnv], !value.isEmpty else {
                    throw ValidationError("environment variable \(keyEnv) is not set or empty")
                }
                return value.trimmed()
            }
            if keyStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("no key on stdin") }
                return line.trimmed()
            }
            return ""
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Print the providers table (keys never shown).")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let (node, store) = await ProviderCommand.open(data)
            let entries = try await store.list()
            await node.database.close()
            for entry in entries {
                print([entry.name, entry.kind.rawValue, entry.baseURL, entry.hasKey ? "key set" : "no key",
                       entry.enabled ? "enabled" : "disabled", "weight \(entry.weight)", entry.isLocal ? "local" : "remote"]
                    .joined(separator: "\t"))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a provider (its models stop routing).")
        @OptionGroup var data: DataOptions
        @Argument(help: "Provider name") var name: String

        func run() async throws {
            let (node, store) = await ProviderCommand.open(data)
            do {
                try await store.remove(name: name)
            } catch let error as ProviderStoreError {
                await node.database.close()
                throw ValidationError(error.description)
            }
            await node.database.close()
            print("removed \(name)")
        }
    }
}
