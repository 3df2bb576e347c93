import ArgumentParser

/// The `triforce` command. With no subcommand it serves.
@main
struct TriForce: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triforce",
        abstract: "A lean AI mesh node: multi-LLM gateway, MCP server and mesh hub in one binary.",
        version: TriForceVersion.current,
        subcommands: [ServeCommand.self, InitCommand.self, ConfigCommand.self, DBCommand.self,
                      UserCommand.self, KeyCommand.self, TierCommand.self, RouteCommand.self, ProviderCommand.self, AgentCommand.self,
                      CACommand.self, ReleaseCommand.self, GuardianCommand.self, JoinCommand.self, MeshCommand.self, SyncCommand.self],
        defaultSubcommand: ServeCommand.self)
}
