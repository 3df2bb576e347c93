import ArgumentParser
import Gateway
import Core
import Net
import Storage

/// `triforce route list | set TASK MODEL... | reset TASK`: edits the `routes` table. A running
/// server reads routes per request, so changes apply on its next request.
struct RouteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "route", abstract: "Show or edit the task routes used by model \"auto\".",
        subcommands: [List.self, Set.self, Reset.self])

    static func open(_ data: DataOptions) async -> (Node, RouteStore) {
        let ring = LogRing()
        let logger = Startup.bootstrapLogging(flags: data.flags, ring: ring)
        let node = await Startup.openNode(flags: data.flags, ring: ring, logger: logger)
        return (node, RouteStore(database: node.database, origin: ReplicaOrigin(nodeID: node.identity.nodeID, clock: node.clock)))
    }

    static func task(_ name: String) throws -> TaskKind {
        guard let task = TaskKind(rawValue: name) else {
            throw ValidationError("unknown task '\(name)'; use one of: " + TaskKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return task
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Print each task's route.")
        @OptionGroup var data: DataOptions

        func run() async throws {
            let (node, store) = await RouteCommand.open(data)
            var lines: [String] = []
            for task in TaskKind.allCases {
                let route = try await store.route(for: task)
                lines.append("\(task.rawValue)\t\(route.stored ? "set" : "default")\t\(route.models.joined(separator: " "))")
            }
            await node.database.close()
            lines.forEach { print($0) }
        }
    }

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Replace a task's route with models in order.")
        @OptionGroup var data: DataOptions
        @Argument(help: "code, creative, research, math or general") var task: String
        @Argument(help: "Model ids in order, e.g. groq/llama-3.3-70b-versatile") var models: [String]

        func validate() throws {
            _ = try RouteCommand.task(task)
            guard !models.isEmpty else { throw ValidationError("name at least one model") }
        }

        func run() async throws {
            let (node, store) = await RouteCommand.open(data)
            try await store.set(try RouteCommand.task(task), models: models)
            await node.database.close()
            print("\(task)\t\(models.joined(separator: " "))")
        }
    }

    struct Reset: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "reset", abstract: "Return a task to the default route.")
        @OptionGroup var data: DataOptions
        @Argument(help: "code, creative, research, math or general") var task: String

        func run() async throws {
            let kind = try RouteCommand.task(task)
            let (node, store) = await RouteCommand.open(data)
            try await store.reset(kind)
            let route = try await store.route(for: kind)
            await node.database.close()
            print("\(task)\tdefault\t\(route.models.joined(separator: " "))")
        }
    }
}
