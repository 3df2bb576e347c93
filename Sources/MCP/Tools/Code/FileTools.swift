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
        let path = arguments["path"]?.stringValue ?? ""
        return .text(try workspace.readText(try workspace.resolve(path), displayPath: path))
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
        let path = arguments["path"]?.stringValue ?? ""
        let target = try workspace.resolve(path)
        if arguments["overwrite"]?.boolValue == false, workspace.exists(target) {
            throw ToolError(.refused, "\(path) exists and overwrite is false")
        }
        let content = arguments["content"]?.stringValue ?? ""
        try workspace.writeText(content, to: target, displayPath: path)
        let bytes = content.utf8.count
        return .text("wrote \(bytes) bytes to \(path)", structured: ["path": .string(path), "bytes": .int(Int64(bytes))])
    }
}

struct FileListTool: Tool {
    let workspace: Workspace
    let name = "file_list"
    let description = "List one directory of the workspace: names, kinds and sizes."
    let feature = Feature.code
    let annotations = ToolAnnotations.readOnlyLocal
    var inputSchema: JSONValue {
        InputSchema.object(["path": InputSchema.string("directory (default: root)", maxLength: 4_096)])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let directory = try workspace.resolve(arguments["path"]?.stringValue ?? ".")
        guard workspace.isDirectory(directory) else { throw ToolError(.notFound, "\(workspace.relative(directory)) is not a directory") }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        var entries: [JSONValue] = []
        var lines: [String] = []
        for name in names.prefix(2_000) {
            let child = directory + "/" + name
            let isLink = (try? FileManager.default.destinationOfSymbolicLink(atPath: child)) != nil
            let kind = isLink ? "symlink" : workspace.isDirectory(child) ? "directory" : "file"
            let size = kind == "file" ? workspace.size(child) : 0
            entries.append(["name": .string(name), "type": .string(kind), "size": .int(Int64(size))])
            lines.append(kind == "directory" ? name + "/" : kind == "symlink" ? name + "@" : "\(name)\t\(size)")
        }
        return ToolResult(text: [lines.isEmpty ? "(empty)" : lines.joined(separator: "\n")], structuredContent: ["entries": .array(entries)])
    }
}
