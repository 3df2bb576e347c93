/// Constructors for tools whose types stay internal.
public enum MCPTools {
    /// The admin-only `shell` tool, confined to the workspace.
    public static func shell(workspace: Workspace, maxTimeoutSeconds: Int = 600) -> any Tool {
        ShellTool(workspace: workspace, maxTimeoutSeconds: maxTimeoutSeconds)
    }
}
