import FoundationEssentials
import Glibc

/// File operations on resolved workspace paths, opened beneath a root descriptor
/// (`openDirectory`). Reads open with O_NOFOLLOW | O_NONBLOCK and accept regular files only (a FIFO or a device never blocks or leaks a tool); writes go
/// to a temp file beside the target and are renamed over it. Every error is a `ToolError`
/// naming the workspace-relative path and a short reason.
extension Workspace {
    /// What `lstat` says a path is; links are reported, never followed.
    public enum Kind: String, Sendable {
        case file, directory, symlink, special, missing
    }

    public func kind(_ absolute: String) -> Kind {
        var info = stat()
        guard lstat(absolute, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        case S_IFLNK: return .symlink
        default: return .special
        }
    }

    public func isDirectory(_ absolute: String) -> Bool { kind(absolute) == .directory }

    public func exists(_ absolute: String) -> Bool { kind(absolute) != .missing }

    /// Size of a regular file (0 for anything else).
    public func size(_ absolute: String) -> Int {
        var info = stat()
        guard lstat(absolute, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return 0 }
        return Int(info.st_size)
    }

    /// The bytes of a regular file, at most `limit` (default `maxReadBytes`): larger is an error.
    public func readBytes(_ absolute: String, limit: Int? = nil) throws(ToolError) -> [UInt8] {
        let display = relative(absolute)
        let cap = limit ?? maxReadBytes
        let parent = openParent(absolute)
        let fd = parent.fd < 0 ? -1 : openat(parent.fd, parent.name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        let openError = errno
        if parent.fd >= 0 { close(parent.fd) }
        errno = openError
        guard fd >= 0 else {
            let code = errno
            if code == ELOOP { throw ToolError(.refused, "\(display) is a symlink; read its target instead") }
            if code == ENOENT { throw ToolError(.notFound, "\(display) does not exist") }
            throw ToolError(.failed, "cannot read \(display): \(Self.reason(code))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ToolError(.failed, "cannot read \(display): \(Self.reason(errno))") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ToolError(.invalidArgument, "\(display) is not a regular file")
        }
        guard info.st_size <= cap else {
            throw ToolError(.tooLarge, "\(display) is \(info.st_size) bytes; the limit is \(cap)")
        }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var filled = 0
        while filled < bytes.count {
            let n = bytes.withUnsafeMutableBytes { buffer in
                buffer.baseAddress.map { read(fd, $0 + filled, buffer.count - filled) } ?? 0
            }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else { throw ToolError(.failed, "cannot read \(display): \(Self.reason(errno))") }
            if n == 0 { break }   // the file shrank while we read it
            filled += n
        }
        return Array(bytes[0..<filled])
    }

    /// Reads a UTF-8 text file within the size cap.
    public func readText(_ absolute: String) throws(ToolError) -> String {
        let bytes = try readBytes(absolute)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ToolError(.invalidArgument, "\(relative(absolute)) is not UTF-8 text")
        }
        return text
    }

    /// Writes atomically (temp file + rename in the same directory), creating parent
    /// directories when asked (mkdirat beneath the root, so never outside it).
    public func writeText(_ text: String, to absolute: String, createDirectories: Bool = true) throws(ToolError) {
        let display = relative(absolute)
        let bytes = Array(text.utf8)
        guard bytes.count <= maxWriteBytes else {
            throw ToolError(.tooLarge, "content is \(bytes.count) bytes; the limit is \(maxWriteBytes)")
        }
        switch kind(absolute) {
        case .directory: throw ToolError(.invalidArgument, "\(display) is a directory")
        case .special: throw ToolError(.refused, "\(display) is not a regular file")
        case .file, .symlink, .missing: break
        }
        let parent = openParent(absolute, create: createDirectories)
        guard parent.fd >= 0 else { throw ToolError(.failed, "cannot write \(display): \(Self.reason(errno))") }
        defer { close(parent.fd) }
        let temporary = ".triforce-write-\(UInt64.random(in: 0...UInt64.max))"
        let fd = openat(parent.fd, temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ToolError(.failed, "cannot write \(display): \(Self.reason(errno))") }
        var written = 0
        var failure: Int32 = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                buffer.baseAddress.map { write(fd, $0 + written, buffer.count - written) } ?? 0
            }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { failure = errno; break }
            written += n
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0, renameat(parent.fd, temporary, parent.fd, parent.name) != 0 { failure = errno }
        if failure != 0 {
            unlinkat(parent.fd, temporary, 0)
            throw ToolError(.failed, "cannot write \(display): \(Self.reason(failure))")
        }
    }

    /// Removes one file or symlink (never a directory tree).
    public func removeFile(_ absolute: String) throws(ToolError) {
        let parent = openParent(absolute)
        guard parent.fd >= 0 else { throw ToolError(.failed, "cannot delete \(relative(absolute)): \(Self.reason(errno))") }
        defer { close(parent.fd) }
        guard unlinkat(parent.fd, parent.name, 0) == 0 else {
            throw ToolError(.failed, "cannot delete \(relative(absolute)): \(Self.reason(errno))")
        }
    }

    /// The names in one directory (unsorted, without . and ..), at most `limit`.
    public func names(in absolute: String, limit: Int = 100_000) throws(ToolError) -> [String] {
        let fd = openDirectory(absolute)
        guard fd >= 0 else { throw ToolError(.failed, "cannot list \(relative(absolute)): \(Self.reason(errno))") }
        guard let directory = fdopendir(fd) else {
            let code = errno
            close(fd)
            throw ToolError(.failed, "cannot list \(relative(absolute)): \(Self.reason(code))")
        }
        defer { closedir(directory) }
        var names: [String] = []
        while names.count < limit, let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
