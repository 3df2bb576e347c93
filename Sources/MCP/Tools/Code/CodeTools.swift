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

    /// Directories a tree walk never enters: VCS data and build output.
    static let skipped: Set<String> = [".git", ".build", "node_modules", ".venv", "__pycache__"]

    /// Depth-first listing of files and directories under `directory` (sorted), bounded.
    static func walk(_ workspace: Workspace, from directory: String, maxDepth: Int, limit: Int) -> (entries: [(path: String, isDirectory: Bool)], truncated: Bool) {
        var entries: [(String, Bool)] = []
        var truncated = false
        func visit(_ path: String, depth: Int) {
            guard depth <= maxDepth, !truncated else { return }
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            for name in names where !skipped.contains(name) {
                if entries.count >= limit { truncated = true; return }
                let child = path + "/" + name
                // Do not follow symlinked directories: they may lead out of the workspace.
                let isLink = (try? FileManager.default.destinationOfSymbolicLink(atPath: child)) != nil
                let isDirectory = !isLink && workspace.isDirectory(child)
                entries.append((child, isDirectory))
                if isDirectory { visit(child, depth: depth + 1) }
            }
        }
        visit(directory, depth: 1)
        return (entries, truncated)
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
        let path = arguments["path"]?.stringValue ?? ""
        let text = try workspace.readText(try workspace.resolve(path), displayPath: path)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let start = Int(arguments["start_line"]?.intValue ?? 1)
        let end = min(lines.count, Int(arguments["end_line"]?.intValue ?? Int64(lines.count)))
        guard start <= max(end, 1) else { throw ToolError(.invalidArgument, "start_line \(start) is past end_line \(end)") }
        let numbered = (start...max(start, end)).compactMap { n in
            lines.indices.contains(n - 1) ? "\(n)\t\(lines[n - 1])" : nil
        }
        return ToolResult(text: [numbered.joined(separator: "\n")],
                          structuredContent: ["path": .string(path), "start_line": .int(Int64(start)),
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
        let directory = try workspace.resolve(arguments["path"]?.stringValue ?? ".")
        guard workspace.isDirectory(directory) else { throw ToolError(.notFound, "\(workspace.relative(directory)) is not a directory") }
        let (entries, truncated) = CodeTools.walk(workspace, from: directory, maxDepth: Int(arguments["depth"]?.intValue ?? 3),
                                                  limit: Int(arguments["max_entries"]?.intValue ?? 500))
        let baseDepth = directory.split(separator: "/").count
        let lines = entries.map { entry in
            let depth = entry.path.split(separator: "/").count - baseDepth - 1
            let name = entry.path.split(separator: "/").last.map(String.init) ?? ""
            return String(repeating: "  ", count: max(0, depth)) + name + (entry.isDirectory ? "/" : "")
        }
        let files: [JSONValue] = entries.map { .string(workspace.relative($0.path) + ($0.isDirectory ? "/" : "")) }
        return ToolResult(text: [lines.joined(separator: "\n") + (truncated ? "\n… (truncated)" : "")],
                          structuredContent: ["entries": .array(files), "truncated": .bool(truncated)])
    }
}

struct CodeSearchTool: Tool {
    let workspace: Workspace
    let name = "code_search"
    let description = "Search text files in the workspace for a literal string or a regular expression; results are capped."
    let feature = Feature.code
    let annotations = ToolAnnotations.readOnlyLocal
    var inputSchema: JSONValue {
        InputSchema.object([
            "query": InputSchema.string("text or pattern", minLength: 1, maxLength: 1_000),
            "regex": InputSchema.boolean("treat query as a regular expression"),
            "case_sensitive": InputSchema.boolean("default true"),
            "path": InputSchema.string("directory to search (default: root)", maxLength: 4_096),
            "max_results": InputSchema.integer("cap on matching lines", minimum: 1, maximum: 1_000),
        ], required: ["query"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let query = arguments["query"]?.stringValue ?? ""
        let caseSensitive = arguments["case_sensitive"]?.boolValue ?? true
        let limit = Int(arguments["max_results"]?.intValue ?? 100)
        let regex: Regex<AnyRegexOutput>?
        if arguments["regex"]?.boolValue == true {
            do { regex = try Regex(query).ignoresCase(!caseSensitive) } catch {
                throw ToolError(.invalidArgument, "invalid regular expression: \(error)")
            }
        } else {
            regex = nil
        }
        let needle = caseSensitive ? query : query.lowercased()
        let directory = try workspace.resolve(arguments["path"]?.stringValue ?? ".")
        let files = CodeTools.walk(workspace, from: directory, maxDepth: 32, limit: 20_000).entries.filter { !$0.isDirectory }
        var matches: [JSONValue] = []
        var lines: [String] = []
        search: for file in files where workspace.size(file.path) <= workspace.maxReadBytes {
            try Task.checkCancellation()
            guard let data = FileManager.default.contents(atPath: file.path),
                  let text = String(validating: data, as: UTF8.self) else { continue }
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let hit = if let regex { (try? regex.firstMatch(in: line)) != nil }
                    else { (caseSensitive ? String(line) : line.lowercased()).contains(needle) }
                guard hit else { continue }
                if matches.count >= limit { break search }
                let relative = workspace.relative(file.path)
                let shown = String(line.prefix(400))
                matches.append(["path": .string(relative), "line": .int(Int64(index + 1)), "text": .string(shown)])
                lines.append("\(relative):\(index + 1): \(shown)")
            }
        }
        let capped = matches.count >= limit
        return ToolResult(text: [lines.isEmpty ? "no matches" : lines.joined(separator: "\n") + (capped ? "\n… (capped at \(limit))" : "")],
                          structuredContent: ["matches": .array(matches), "capped": .bool(capped)])
    }
}
