import ArgumentParser
import FoundationEssentials
import Net

/// The `triforce` command. With no subcommand it serves.
@main
struct TriForce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triforce",
        abstract: "A lean AI mesh node: multi-LLM gateway, MCP server and mesh hub in one binary.",
        version: TriForceVersion.current,
        subcommands: [ServeCommand.self, InitCommand.self, ConfigCommand.self, DBCommand.self,
                      UserCommand.self, KeyCommand.self, TierCommand.self, RouteCommand.self, ProviderCommand.self, AgentCommand.self,
                      CACommand.self, ReleaseCommand.self, GuardianCommand.self, JoinCommand.self, MeshCommand.self, SyncCommand.self,
                      LoginCommand.self, LogoutCommand.self, ChatCommand.self, ModelsCommand.self, ToolsCommand.self],
        defaultSubcommand: ServeCommand.self)

    /// First, while the process has one thread: glibc fixes its arena limit when a second
    /// thread first allocates, so a limit set later (in `serve`) is ignored.
    static func main() async {
        MallocHeap.limitArenas(to: 1, environment: ProcessInfo.processInfo.environment)
        await main(nil)
    }
}
