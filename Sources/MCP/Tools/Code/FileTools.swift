import Core
import Net
import FoundationEssentials

struct FileReadTool: Tool {
    let workspace: Workspace
    let name = "file_read"
    let description = "Read a whole text file from the workspace (size-capped)."
    let feature = Feature.code
    let annotations = ToolAnnotations.readOnlyLocal
    var inputSchema: JSONValue {
        InputSchema.object(["path": InputSchema.string("file path relative to the workspace", minLength: 1, maxLength: 4_096)], required: ["path"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        return .text(try workspace.readText(try workspace.resolve(arguments["path"]?.stringValue ?? "")))
    }
}

struct FileWriteTool: Tool {
    let workspace: Workspace
    let name = "file_write"
    let description = "Create or overwrite a text file in the workspace (parent directories are created)."
    let feature = Feature.codeWrite
    let annotations = ToolAnnotations(readOnly: false, destructive: true, idempotent: true)
    var inputSchema: JSONValue {
        InputSchema.object([
            "path": InputSchema.string("file path relative to the workspace", minLength: 1, maxLength: 4_096),
            "content": InputSchema.string("the full new content"),
            "overwrite": InputSchema.boolean("replace an existing file (default true)"),
        ], required: ["path", "content"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let path = try workspace.resolvedPath(arguments["path"]?.stringValue ?? "")
        if arguments["overwrite"]?.boolValue == false, workspace.exists(path.absolute) {
            throw ToolError(.refused, "\(path.display) exists and overwrite is false")
        }
        let content = arguments["content"]?.stringValue ?? ""
        try workspace.writeText(content, to: path.absolute)
        let bytes = content.utf8.count
        return .text("wrote \(bytes) bytes to \(path.display)", structured: ["path": .string(path.display), "bytes": .int(Int64(bytes))])
    }
}

struct FileListTool: Tool {
    let workspace: Workspace
    static let maxEntries = 2_000
    let name = "file_list"
    let description = "List one directory of the workspace: names, kinds and sizes."
    let feature = Feature.code
    let annotations = ToolAnnotations.readOnlyLocal
    var inputSchema: JSONValue {
        InputSchema.object(["path": InputSchema.string("directory (default: root)", maxLength: 4_096)])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let path = try workspace.resolvedPath(arguments["path"]?.stringValue ?? ".")
        guard workspace.isDirectory(path.absolute) else { throw ToolError(.notFound, "\(path.display) is not a directory") }
        let names = try workspace.names(in: path.absolute).sorted()
        var entries: [JSONValue] = []
        var lines: [String] = []
        for name in names.prefix(Self.maxEntries) {
            let kind = workspace.kind(path.absolute + "/" + name)
            let size = kind == .file ? workspace.size(path.absolute + "/" + name) : 0
            entries.append(["name": .string(name), "type": .string(kind.rawValue), "size": .int(Int64(size))])
            lines.append(kind == .file ? "\(name)\t\(size)" : name + CodeTreeTool.suffix(kind))
        }
        let truncated = names.count > Self.maxEntries
        if truncated { lines.append("… (\(names.count - Self.maxEntries) more not shown)") }
        return ToolResult(text: [lines.isEmpty ? "(empty)" : lines.joined(separator: "\n")],
                          structuredContent: ["entries": .array(entries), "truncated": .bool(truncated)])
    }
}
