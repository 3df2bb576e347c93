import FoundationEssentials
import Glibc

/// A directory the code, file, search and agent tools are confined to: the one resolution
/// rule they all share. A caller's path is relative to the root (an absolute path is
/// accepted only when it already lies inside the root). `..` is refused outright. The path
/// is walked one component at a time with `lstat`; a symlink met on the way is resolved
/// (realpath semantics) and must land inside the root, or the whole path is refused.
/// Errors name the workspace-relative path and a short reason, never the absolute root.
public struct Workspace: Sendable {
    /// The real (symlink-free) root path.
    public let root: String
    public let maxReadBytes: Int
    public let maxWriteBytes: Int

    /// Creates the root when missing.
    public init(root: String, maxReadBytes: Int = 1 << 20, maxWriteBytes: Int = 1 << 20) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        guard let real = Self.realPath(root) else { throw ToolError(.failed, "workspace \(root) cannot be resolved") }
        guard real != "/" else { throw ToolError(.failed, "the workspace cannot be the file system root") }
        self.root = real
        self.maxReadBytes = maxReadBytes
        self.maxWriteBytes = maxWriteBytes
    }

    /// The absolute real path for `path`, inside the root. The target need not exist; every
    /// component that exists has been checked, and every link on the way resolved.
    public func resolve(_ path: String) throws(ToolError) -> String {
        try resolvedPath(path).absolute
    }

    /// `resolve`, and the workspace-relative form for messages.
    public func resolvedPath(_ path: String) throws(ToolError) -> (absolute: String, display: String) {
        guard !path.contains("\0") else { throw ToolError(.refused, "the path contains a NUL byte") }
        var relativeText = Substring(path)
        if relativeText.hasPrefix("/") {
            guard relativeText == Substring(root) || relativeText.hasPrefix(root + "/") else {
                throw ToolError(.refused, "absolute paths outside the workspace are refused; use a path relative to the workspace root")
            }
            relativeText = relativeText.dropFirst(root.count)
        }
        let parts = relativeText.split(separator: "/").filter { $0 != "." }
        guard !parts.contains("..") else {
            throw ToolError(.refused, "'..' is not allowed in a workspace path; use a path inside the workspace")
        }
        let display = parts.isEmpty ? "." : parts.joined(separator: "/")
        var current = root
        for (index, part) in parts.enumerated() {
            let next = current + "/" + part
            var info = stat()
            guard lstat(next, &info) == 0 else {
                guard errno == ENOENT else { throw ToolError(.refused, "\(display): \(Self.reason(errno))") }
                // The rest does not exist yet: nothing below can be a link.
                return (parts[index...].reduce(current) { $0 + "/" + $1 }, display)
            }
            if (info.st_mode & S_IFMT) == S_IFLNK {
                guard let real = Self.realPath(next) else {
                    throw ToolError(.refused, "\(display) goes through a symlink that cannot be resolved (dangling?)")
                }
                guard contains(real) else {
                    throw ToolError(.refused, "\(display) leads outside the workspace through a symlink")
                }
                current = real
            } else {
                current = next
            }
        }
        return (current, display)
    }

    /// True when `absolute` is the root or below it (a plain prefix test on real paths).
    public func contains(_ absolute: String) -> Bool {
        absolute == root || absolute.hasPrefix(root + "/")
    }

    /// The path relative to the root, for display. Outside the root: the last component only.
    public func relative(_ absolute: String) -> String {
        if absolute == root { return "." }
        if absolute.hasPrefix(root + "/") { return String(absolute.dropFirst(root.count + 1)) }
        return absolute.split(separator: "/").last.map(String.init) ?? "."
    }

    static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// A short, path-free reason for an errno ("permission denied").
    static func reason(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file or directory"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "is a directory"
        case ENOTDIR: "a parent is not a directory"
        case EEXIST: "already exists"
        case ENOSPC, EDQUOT: "no space left on the device"
        case EROFS: "the file system is read-only"
        case ELOOP: "too many symlinks"
        case ENAMETOOLONG: "the name is too long"
        case EMFILE, ENFILE: "too many open files; try again"
        default: String(cString: strerror(code)).lowercased()
        }
    }
}
