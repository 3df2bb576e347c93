import FoundationEssentials
import Glibc

/// A directory the code and file tools are confined to. Every path a caller gives is
/// relative to the root; `..`, absolute paths outside the root, and symlinks that lead
/// out of it are refused. Symlinks are resolved with realpath on the deepest existing
/// ancestor, so a link planted anywhere on the path is seen.
public struct Workspace: Sendable {
    /// The real (symlink-free) root path.
    public let root: String
    public let maxReadBytes: Int
    public let maxWriteBytes: Int

    /// Creates the root when missing.
    public init(root: String, maxReadBytes: Int = 1 << 20, maxWriteBytes: Int = 1 << 20) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        guard let real = Self.realPath(root) else { throw ToolError(.failed, "workspace \(root) cannot be resolved") }
        self.root = real
        self.maxReadBytes = maxReadBytes
        self.maxWriteBytes = maxWriteBytes
    }

    /// The absolute real path for `path`, inside the root. The target need not exist.
    public func resolve(_ path: String) throws(ToolError) -> String {
        guard !path.contains("\0") else { throw ToolError(.refused, "path contains a NUL byte") }
        var relative = Substring(path)
        if relative.hasPrefix("/") {
            guard relative == Substring(root) || relative.hasPrefix(root + "/") else {
                throw ToolError(.refused, "\(path) is outside the workspace; use a path relative to the workspace root")
            }
            relative = relative.dropFirst(root.count)
        }
        let parts = relative.split(separator: "/").filter { $0 != "." }
        guard !parts.contains("..") else {
            throw ToolError(.refused, "\(path): '..' is not allowed; use a path inside the workspace")
        }
        // Walk down to the deepest component that exists, resolve it, append the rest.
        var existing = parts.count
        while existing > 0 {
            let candidate = root + "/" + parts[..<existing].joined(separator: "/")
            var info = stat()
            if lstat(candidate, &info) == 0 { break }
            existing -= 1
        }
        let base = existing == 0 ? root : root + "/" + parts[..<existing].joined(separator: "/")
        guard let real = Self.realPath(base) else {
            throw ToolError(.refused, "\(path) cannot be resolved (a dangling symlink?)")
        }
        guard real == root || real.hasPrefix(root + "/") else {
            throw ToolError(.refused, "\(path) leads outside the workspace through a symlink")
        }
        let rest = parts[existing...].joined(separator: "/")
        return rest.isEmpty ? real : real + "/" + rest
    }

    /// The path relative to the root, for display.
    public func relative(_ absolute: String) -> String {
        absolute == root ? "." : String(absolute.dropFirst(root.count + 1))
    }

    public func isDirectory(_ absolute: String) -> Bool {
        var info = stat()
        return stat(absolute, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    public func exists(_ absolute: String) -> Bool {
        var info = stat()
        return stat(absolute, &info) == 0
    }

    public func size(_ absolute: String) -> Int {
        var info = stat()
        return stat(absolute, &info) == 0 ? Int(info.st_size) : 0
    }

    /// Reads a UTF-8 text file within the size cap.
    public func readText(_ absolute: String, displayPath: String) throws(ToolError) -> String {
        guard exists(absolute), !isDirectory(absolute) else { throw ToolError(.notFound, "\(displayPath) is not a file") }
        let size = size(absolute)
        guard size <= maxReadBytes else {
            throw ToolError(.tooLarge, "\(displayPath) is \(size) bytes; the limit is \(maxReadBytes)")
        }
        guard let data = FileManager.default.contents(atPath: absolute) else {
            throw ToolError(.failed, "cannot read \(displayPath)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ToolError(.invalidArgument, "\(displayPath) is not UTF-8 text")
        }
        return text
    }

    /// Writes atomically (temp file + rename), creating parent directories when asked.
    public func writeText(_ text: String, to absolute: String, displayPath: String, createDirectories: Bool = true) throws(ToolError) {
        let data = Data(text.utf8)
        guard data.count <= maxWriteBytes else {
            throw ToolError(.tooLarge, "content is \(data.count) bytes; the limit is \(maxWriteBytes)")
        }
        guard !isDirectory(absolute) else { throw ToolError(.invalidArgument, "\(displayPath) is a directory") }
        let parent = String(absolute[..<(absolute.lastIndex(of: "/") ?? absolute.endIndex)])
        do {
            if createDirectories { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) }
            try data.write(to: URL(fileURLWithPath: absolute), options: .atomic)
        } catch {
            throw ToolError(.failed, "cannot write \(displayPath): \(error)")
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
