import ArgumentParser
import MCP
import Net
import Storage

/// `triforce agent add NAME -- ARGV... | list | remove NAME`: the CLI agents the MCP
/// `agent_call` tool runs. `{prompt}` in an argument receives the prompt (one argument,
/// never a shell line); without it the prompt is appended.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent", abstract: "Manage CLI agents for the MCP agent tools.",
        subcommands: [Add.self, List.self, Remove.self])

    static func withStore<T>(_ data: DataOptions, _ body: (AgentStore) async throws -> T) async throws -> T {
        let ring = LogRing()
        let logger = Startup.bootstrapLogging(flags: data.flags, ring: ring)
        let node = await Startup.openNode(flags: data.flags, ring: ring, logger: logger)
        let store = AgentStore(database: node.database, origin: ReplicaOrigin(nodeID: node.identity.nodeID, clock: node.clock))
        do {
            let result = try await body(store)
            await node.database.close()
            return result
        } catch {
            await node.database.close()
            throw error
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add", abstract: "Add or replace an agent: triforce agent add claude -- claude -p {prompt}")
        @OptionGroup var data: DataOptions
        @Option(help: "Working directory (default: the workspace).") var workdir: String = ""
        @Option(help: "Seconds before the agent is killed.") var timeout: Int = 300
        @Flag(help: "Accept a template that splices the prompt into a shell -c string, interpreter code or a larger argument: a prompt can then run commands.")
        var allowShellInterpolation = false
        @Argument(help: "Agent name.") var name: String
        @Argument(parsing: .postTerminator, help: "The command after --; {prompt} marks where the prompt goes.")
        var argv: [String] = []

        func validate() throws {
            guard !argv.isEmpty else { throw ValidationError("give the command after --, e.g. triforce agent add claude -- claude -p {prompt}") }
            guard (1...86_400).contains(timeout) else { throw ValidationError("--timeout must be 1...86400 seconds") }
        }

        func run() async throws {
            let agent = AgentStore.Agent(name: name, argv: argv, workdir: workdir, timeoutSeconds: timeout,
                                         allowShellInterpolation: allowShellInterpolation)
            do {
                try await AgentCommand.withStore(data) { try await $0.save(agent) }
            } catch let error as ToolError {
                throw ValidationError(error.message)
            }
            print("agent \(name) saved: \(argv.joined(separator: " "))" + (allowShellInterpolation ? " (shell interpolation allowed)" : ""))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List agents.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let agents = try await AgentCommand.withStore(data) { try await $0.list() }
            if agents.isEmpty { print("no agents") }
            for agent in agents {
                print("\(agent.name)\t\(agent.argv.joined(separator: " "))\ttimeout=\(agent.timeoutSeconds)s" +
                      (agent.workdir.isEmpty ? "" : "\tworkdir=\(agent.workdir)") +
                      (agent.allowShellInterpolation ? "\tallow-shell-interpolation" : ""))
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove an agent.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Agent name.") var name: String

        func run() async throws {
            let removed = try await AgentCommand.withStore(data) { try await $0.remove(name) }
            guard removed else { throw ValidationError("no agent named \(name)") }
            print("agent \(name) removed")
        }
    }
}
