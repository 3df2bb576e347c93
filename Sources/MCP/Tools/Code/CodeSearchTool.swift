import Core
import Net
import FoundationEssentials

/// `code_search`: literal or `LinearRegex` search over the regular files of the workspace.
/// Symlinks and special files (FIFOs, sockets, devices) are skipped, never opened. Every
/// search is bounded: files walked, bytes read, regex work, a wall-clock deadline, matches
/// returned and the length of each line shown. Hitting a bound ends the search early with
/// what was found and says which bound it was.
struct CodeSearchTool: Tool {
    struct Limits: Sendable {
        var maxFiles = 20_000
        var maxTotalBytes = 64 << 20
        /// Regex thread steps (see `RegexMatcher.work`); ~1 s of CPU on a small core.
        var maxRegexWork = 200_000_000
        var deadline: Duration = .seconds(20)
        /// Only the first this-many bytes of a line are searched (minified files).
        var maxLineBytes = 64 << 10
        var shownLineCharacters = 400
    }

    let workspace: Workspace
    var limits = Limits()
    let name = "code_search"
    let description = """
        Search text files in the workspace for a literal string or a regular expression; results are capped. \
        Regex syntax (linear time): literals, ., [classes], \\d \\w \\s (and negations), ^ $ \\b, groups ( ) (?: ), |, * + ? {m,n}. \
        Backreferences and lookaround are not supported.
        """
    let feature = Feature.code
    let annotations = ToolAnnotations.readOnlyLocal
    var inputSchema: JSONValue {
        InputSchema.object([
            "query": InputSchema.string("text or pattern", minLength: 1, maxLength: LinearRegex.maxPatternLength),
            "regex": InputSchema.boolean("treat query as a regular expression"),
            "case_sensitive": InputSchema.boolean("default true"),
            "path": InputSchema.string("directory to search (default: root)", maxLength: 4_096),
            "max_results": InputSchema.integer("cap on matching lines", minimum: 1, maximum: 1_000),
        ], required: ["query"])
    }

    func call(_ arguments: [String: JSONValue], context: ToolContext) async throws -> ToolResult {
        let query = arguments["query"]?.stringValue ?? ""
        let caseSensitive = arguments["case_sensitive"]?.boolValue ?? true
        let limit = Int(clamping: arguments["max_results"]?.intValue ?? 100)
        let matcher = arguments["regex"]?.boolValue == true ? try LinearRegex(query, ignoreCase: !caseSensitive).matcher() : nil
        matcher?.budget = limits.maxRegexWork
        let needle = caseSensitive ? query : query.lowercased()
        let directory = try workspace.resolvedPath(arguments["path"]?.stringValue ?? ".")
        guard workspace.isDirectory(directory.absolute) else { throw ToolError(.notFound, "\(directory.display) is not a directory") }

        let walk = workspace.walk(from: directory.absolute, maxDepth: 32, limit: limits.maxFiles)
        let started = ContinuousClock.now
        var matches: [JSONValue] = []
        var lines: [String] = []
        var bytesRead = 0
        var skipped = 0
        var stopped: String? = walk.truncated ? "more than \(limits.maxFiles) entries; searched the first ones" : nil
        search: for entry in walk.entries {
            guard entry.kind == .file else {
                if entry.kind != .directory { skipped += 1 }   // symlinks and special files are never opened
                continue
            }
            try Task.checkCancellation()
            if ContinuousClock.now - started > limits.deadline { stopped = "the \(limits.deadline) deadline"; break }
            let size = workspace.size(entry.path)
            guard size <= workspace.maxReadBytes else { skipped += 1; continue }
            guard bytesRead + size <= limits.maxTotalBytes else { stopped = "the \(limits.maxTotalBytes)-byte read budget"; break }
            guard let bytes = try? workspace.readBytes(entry.path), let text = String(validating: bytes, as: UTF8.self) else {
                skipped += 1   // unreadable, binary or changed under us: not text to search
                continue
            }
            bytesRead += bytes.count
            let relative = workspace.relative(entry.path)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let searched = line.utf8.count > limits.maxLineBytes ? Self.prefix(line, bytes: limits.maxLineBytes) : line
                let hit: Bool
                if let matcher {
                    hit = matcher.matches(searched)
                    if matcher.exhausted { stopped = "the regex work budget"; break search }
                } else {
                    hit = (caseSensitive ? String(searched) : searched.lowercased()).contains(needle)
                }
                guard hit else { continue }
                if matches.count >= limit { stopped = stopped ?? "max_results (\(limit))"; break search }
                let shown = String(line.prefix(limits.shownLineCharacters))
                matches.append(["path": .string(relative), "line": .int(Int64(index + 1)), "text": .string(shown)])
                lines.append("\(relative):\(index + 1): \(shown)")
            }
        }
        let capped = stopped != nil
        var text = lines.isEmpty ? "no matches" : lines.joined(separator: "\n")
        if let stopped { text += "\n… (stopped early: \(stopped))" }
        return ToolResult(text: [text],
                          structuredContent: ["matches": .array(matches), "capped": .bool(capped),
                                              "stopped_by": stopped.map { .string($0) } ?? .null,
                                              "files_skipped": .int(Int64(skipped)), "bytes_read": .int(Int64(bytesRead))])
    }

    /// The longest prefix of `line` within `bytes` UTF-8 bytes, cut on a character boundary.
    static func prefix(_ line: Substring, bytes: Int) -> Substring {
        var used = 0
        var end = line.startIndex
        for character in line {
            used += character.utf8.count
            if used > bytes { break }
            end = line.index(after: end)
        }
        return line[..<end]
    }
}
