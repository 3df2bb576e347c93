import Core
import Net
import FoundationEssentials

/// The code and file tools, all confined to one `Workspace`.
public enum CodeTools {
    public static func all(workspace: Workspace) -> [any Tool] {
        [CodeReadTool(workspace: workspace), CodeSearchTool(workspace: workspace), CodeTreeTool(workspace: workspace),
         CodeEditTool(workspace: workspace), CodePatchTool(workspace: workspace),
         FileReadTool(workspace: workspace), FileWriteTool(workspace: workspace), FileListTool(workspace: workspace)]
    }
}

struct CodeReadTool: Tool {
    let workspace: Workspace
    let name = "code_read"
    let description = "Read a text file from the workspace with line numbers, optionally a line range."
    let feature = Feature.code
    let annotations = ToolAnnotations.readOnlyLocal
    var inputSchema: JSONValue {
        InputSchema.object([
            "path": InputSchema.string("file path relative to the workspace", minLength: 1, maxLength: 4_096),
            "start_line": InputSchema.integer("first line (1-based)", minimum: 1),
            "end_line": InputSchema.integer("last line (inclusive)", minimum: 1),
        ], required: ["path"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let path = try workspace.resolvedPath(arguments["path"]?.stringValue ?? "")
        let text = try workspace.readText(path.absolute)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = Int(clamping: arguments["start_line"]?.intValue ?? 1)
        let end = min(lines.count, Int(clamping: arguments["end_line"]?.intValue ?? Int64(lines.count)))
        guard start <= max(end, 1) else { throw ToolError(.invalidArgument, "start_line \(start) is past end_line \(end)") }
        let numbered = (start...max(start, end)).compactMap { n in
            lines.indices.contains(n - 1) ? "\(n)\t\(lines[n - 1])" : nil
        }
        return ToolResult(text: [numbered.joined(separator: "\n")],
                          structuredContent: ["path": .string(path.display), "start_line": .int(Int64(start)),
                                              "end_line": .int(Int64(end)), "total_lines": .int(Int64(lines.count))])
    }
}

struct CodeTreeTool: Tool {
    let workspace: Workspace
    let name = "code_tree"
    let description = "List the workspace (or a directory in it) as a tree, skipping .git and build output."
    let feature = Feature.code
    let annotations = ToolAnnotations.readOnlyLocal
    var inputSchema: JSONValue {
        InputSchema.object([
            "path": InputSchema.string("directory (default: the workspace root)", maxLength: 4_096),
            "depth": InputSchema.integer("levels to descend", minimum: 1, maximum: 8),
            "max_entries": InputSchema.integer("most entries", minimum: 1, maximum: 5_000),
        ])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let path = try workspace.resolvedPath(arguments["path"]?.stringValue ?? ".")
        let directory = path.absolute
        guard workspace.isDirectory(directory) else { throw ToolError(.notFound, "\(path.display) is not a directory") }
        let walk = workspace.walk(from: directory, maxDepth: Int(clamping: arguments["depth"]?.intValue ?? 3),
                                  limit: Int(clamping: arguments["max_entries"]?.intValue ?? 500))
        let (entries, truncated) = (walk.entries, walk.truncated)
        let baseDepth = directory.split(separator: "/").count
        let lines = entries.map { entry in
            let depth = entry.path.split(separator: "/").count - baseDepth - 1
            let name = entry.path.split(separator: "/").last.map(String.init) ?? ""
            return String(repeating: "  ", count: max(0, depth)) + name + Self.suffix(entry.kind)
        }
        let files: [JSONValue] = entries.map { .string(workspace.relative($0.path) + Self.suffix($0.kind)) }
        return ToolResult(text: [lines.joined(separator: "\n") + (truncated ? "\n… (truncated)" : "")],
                          structuredContent: ["entries": .array(files), "truncated": .bool(truncated),
                                              "unreadable": .array(walk.unreadable.map { .string($0) })])
    }

    /// `ls -F` marks: directories `/`, symlinks `@` (never followed), special files `|`.
    static func suffix(_ kind: Workspace.Kind) -> String {
        switch kind {
        case .directory: "/"
        case .symlink: "@"
        case .special: "|"
        case .file, .missing: ""
        }
    }
}
