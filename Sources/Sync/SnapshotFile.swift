import Glibc
import Net
import FoundationEssentials

/// Byte-level access to snapshot files (POSIX calls: FoundationEssentials has no FileHandle).
/// Files are owner-only, like the database they copy.
enum SnapshotFile {
    static func size(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// Bytes an unprivileged writer may still put on `directory`'s file system.
    static func freeBytes(_ directory: String) -> Int64? {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return nil }
        let (free, overflow) = Int64(clamping: info.f_bavail).multipliedReportingOverflow(by: Int64(clamping: info.f_frsize))
        return overflow ? .max : free
    }

    /// Up to `length` bytes at `offset`; fewer at the end of the file.
    static func read(_ path: String, offset: Int64, length: Int) throws(SyncError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SyncError(.io, "cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        guard let bytes = FileBytes.read(fd, offset: offset, count: max(0, length)) else {
            throw SyncError(.io, "cannot read \(path): errno \(errno)")
        }
        return bytes
    }

    /// Appends `bytes` and syncs them, so a resumed transfer never trusts bytes the kernel lost.
    static func append(_ path: String, _ bytes: [UInt8]) throws(SyncError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SyncError(.io, "cannot open \(path): errno \(errno)") }
        defer { close(fd) }
        var written = 0
        while written < bytes.count {
            let put = bytes.withUnsafeBytes { raw in Glibc.write(fd, raw.baseAddress! + written, raw.count - written) }
            if put < 0 { if errno == EINTR { continue }; throw SyncError(.io, "cannot write \(path): errno \(errno)") }
            written += put
        }
        guard fsync(fd) == 0 else { throw SyncError(.io, "cannot sync \(path): errno \(errno)") }
    }

    /// Streams the file through SHA-256 in 1 MiB reads, as lowercase hex.
    static func sha256(_ path: String) throws(SyncError) -> String {
        guard let total = size(path) else { throw SyncError(.io, "cannot stat \(path)") }
        let hasher = SHA256.Streaming()
        var offset: Int64 = 0
        while offset < total {
            let chunk = try read(path, offset: offset, length: 1 << 20)
            if chunk.isEmpty { break }
            hasher.update(chunk)
            offset += Int64(chunk.count)
        }
        return Hex.encode(hasher.finish())
    }

    static func remove(_ path: String) { unlink(path) }

    static func write(_ path: String, text: String) throws(SyncError) {
        remove(path)
        try append(path, Array(text.utf8))
    }

    static func readText(_ path: String) -> String? {
        guard let size = size(path), size < 1 << 20, let bytes = try? read(path, offset: 0, length: Int(size)) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}
