/// Bounded tree walks for `code_tree` and `code_search`. Entries are classified with
/// `lstat`: a walk never descends into a symlink (it may lead out of the root) and reports
/// FIFOs, sockets and devices as `.special` so no caller opens them.
extension Workspace {
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var kind: Kind
    }

    public struct Walk: Sendable {
        public var entries: [Entry]
        /// The entry limit was reached before the tree was exhausted.
        public var truncated: Bool
        /// Directories that could not be listed (workspace-relative), e.g. permission denied.
        public var unreadable: [String]
    }

    /// Directories a walk never enters: VCS data and build output.
    public static let skippedDirectories: Set<String> = [".git", ".build", "node_modules", ".venv", "__pycache__"]

    /// Depth-first listing below `directory`, names sorted, at most `limit` entries and
    /// `maxDepth` levels.
    public func walk(from directory: String, maxDepth: Int, limit: Int) -> Walk {
        var walk = Walk(entries: [], truncated: false, unreadable: [])
        func visit(_ path: String, depth: Int) {
            guard depth <= maxDepth, !walk.truncated else { return }
            let names: [String]
            do { names = try self.names(in: path).sorted() } catch {
                walk.unreadable.append(relative(path))
                return
            }
            for name in names where !Self.skippedDirectories.contains(name) {
                if walk.entries.count >= limit { walk.truncated = true; return }
                let child = path + "/" + name
                let kind = kind(child)
                walk.entries.append(Entry(path: child, kind: kind))
                if kind == .directory { visit(child, depth: depth + 1) }
            }
        }
        visit(directory, depth: 1)
        return walk
    }
}
