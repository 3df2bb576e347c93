import Core
import Net

/// Targeted edits: replace a unique text, insert before a line, append, or delete lines
/// or a unique text. `dry_run` shows the result without writing.
struct CodeEditTool: Tool {
    let workspace: Workspace
    let name = "code_edit"
    let description = "Edit a workspace file: replace (old_text must be unique unless all=true), insert before a line, append, or delete (a line range or old_text). dry_run previews."
    let feature = Feature.codeWrite
    let annotations = ToolAnnotations(readOnly: false, destructive: true)
    var inputSchema: JSONValue {
        InputSchema.object([
            "path": InputSchema.string("file path relative to the workspace", minLength: 1, maxLength: 4_096),
            "operation": InputSchema.string("what to do", enum: ["replace", "insert", "append", "delete"]),
            "old_text": InputSchema.string("text to replace or delete", minLength: 1),
            "new_text": InputSchema.string("replacement or inserted text"),
            "line": InputSchema.integer("insert before / delete from this line (1-based)", minimum: 1),
            "end_line": InputSchema.integer("delete through this line (default: line)", minimum: 1),
            "all": InputSchema.boolean("replace every occurrence"),
            "dry_run": InputSchema.boolean("preview without writing"),
        ], required: ["path", "operation"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let resolved = try workspace.resolvedPath(arguments["path"]?.stringValue ?? "")
        let (target, path) = (resolved.absolute, resolved.display)
        let operation = arguments["operation"]?.stringValue ?? ""
        let original = operation == "append" && !workspace.exists(target) ? "" : try workspace.readText(target)
        let newText = arguments["new_text"]?.stringValue
        let updated: String
        switch operation {
        case "replace":
            guard let old = arguments["old_text"]?.stringValue, let newText else {
                throw ToolError(.invalidArgument, "replace needs old_text and new_text")
            }
            updated = try Self.replace(old, with: newText, in: original, all: arguments["all"]?.boolValue == true, path: path,
                                       maxBytes: workspace.maxWriteBytes)
        case "insert":
            guard let newText, let line = arguments["line"]?.intValue else { throw ToolError(.invalidArgument, "insert needs line and new_text") }
            var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard line <= lines.count + 1 else { throw ToolError(.invalidArgument, "line \(line) is past the end (\(lines.count) lines)") }
            lines.insert(contentsOf: newText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init), at: Int(line) - 1)
            updated = lines.joined(separator: "\n")
        case "append":
            guard let newText else { throw ToolError(.invalidArgument, "append needs new_text") }
            updated = original + (original.isEmpty || original.hasSuffix("\n") ? "" : "\n") + newText
        case "delete":
            if let old = arguments["old_text"]?.stringValue {
                updated = try Self.replace(old, with: "", in: original, all: arguments["all"]?.boolValue == true, path: path,
                                           maxBytes: workspace.maxWriteBytes)
            } else if let line = arguments["line"]?.intValue {
                var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let end = arguments["end_line"]?.intValue ?? line
                guard line <= end, end <= lines.count else {
                    throw ToolError(.invalidArgument, "lines \(line)...\(end) are not within 1...\(lines.count)")
                }
                lines.removeSubrange(Int(line - 1)..<Int(end))
                updated = lines.joined(separator: "\n")
            } else {
                throw ToolError(.invalidArgument, "delete needs old_text or line")
            }
        default:
            throw ToolError(.invalidArgument, "unknown operation \(operation)")
        }
        let dryRun = arguments["dry_run"]?.boolValue == true
        if !dryRun { try workspace.writeText(updated, to: target) }
        let summary = "\(dryRun ? "dry run: would change" : "changed") \(path): \(original.utf8.count) -> \(updated.utf8.count) bytes"
        return ToolResult(text: [summary + (dryRun ? "\n---\n" + String(updated.prefix(8_000)) : "")],
                          structuredContent: ["path": .string(path), "dry_run": .bool(dryRun), "bytes": .int(Int64(updated.utf8.count))])
    }

    /// Matched on UTF-8 bytes (exact scalars) in linear time (`occurrences`).
    /// Refuses before building a result over `maxBytes`: with `all`, a one-byte `old_text` in
    /// a 1 MiB file and a long `new_text` would otherwise ask for gigabytes (a dry run too).
    static func replace(_ old: String, with new: String, in text: String, all: Bool, path: String,
                        maxBytes: Int) throws(ToolError) -> String {
        let haystack = Array(text.utf8), needle = Array(old.utf8), replacement = Array(new.utf8)
        let offsets = occurrences(of: needle, in: haystack)
        let count = offsets.count
        guard count > 0 else { throw ToolError(.notFound, "old_text not found in \(path)") }
        guard count == 1 || all else {
            throw ToolError(.invalidArgument, "old_text occurs \(count) times in \(path); add context to make it unique or pass all: true")
        }
        let growth = count.multipliedReportingOverflow(by: replacement.count - needle.count)
        let size = haystack.count.addingReportingOverflow(growth.partialValue)
        guard !growth.overflow, !size.overflow, size.partialValue <= maxBytes else {
            throw ToolError(.tooLarge, "replacing \(count) occurrences would make \(path) larger than the \(maxBytes)-byte limit; nothing was changed")
        }
        var result: [UInt8] = []
        result.reserveCapacity(size.partialValue)
        var copied = 0
        for offset in offsets {
            result += haystack[copied..<offset]
            result += replacement
            copied = offset + needle.count
        }
        result += haystack[copied...]
        // Valid: UTF-8 matches of a valid needle start and end on scalar boundaries.
        return String(decoding: result, as: UTF8.self)
    }
}
