import Glibc

/// Reads and writes the small PEM files TLS needs, with POSIX calls (no Foundation).
/// Key files are created with mode 0600 so a private key is never world-readable, not even
/// for the instant between create and chmod.
public enum PEMFile {
    public static func read(_ path: String, limit: Int = 1 << 20) throws(TLSError) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw TLSError(.file, reason: "open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = Glibc.read(fd, &chunk, chunk.count)
            if n < 0 {
                if errno == EINTR { continue }
                throw TLSError(.file, reason: "read \(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data += chunk[0..<n]
            if data.count > limit { throw TLSError(.file, reason: "\(path) is larger than \(limit) bytes") }
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes atomically (temp file + rename) with `mode`; permissions 0o600 for keys, 0o644 for certificates.
    public static func write(_ text: String, to path: String, permissions: Int) throws(TLSError) {
        let mode = mode_t(permissions)
        let temp = path + ".tmp.\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw TLSError(.file, reason: "create \(temp): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                close(fd); unlink(temp)
                throw TLSError(.file, reason: "write \(temp): \(reason)")
            }
            offset += n
        }
        // open() honours the umask; make the mode exact.
        fchmod(fd, mode)
        fsync(fd)
        close(fd)
        guard rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw TLSError(.file, reason: "rename to \(path): \(reason)")
        }
    }

    /// Runs an mbedTLS "write PEM into buf" call and returns the NUL-terminated text.
    static func writeString(capacity: Int, code: TLSError.Code,
                            _ body: (UnsafeMutablePointer<UInt8>, Int) -> Int32) throws(TLSError) -> String {
        var buffer = [UInt8](repeating: 0, count: capacity)
        let result = buffer.withUnsafeMutableBufferPointer { body($0.baseAddress!, $0.count) }
        try TLSError.check(result, code)
        let end = buffer.firstIndex(of: 0) ?? buffer.count
        return String(decoding: buffer[..<end], as: UTF8.self)
    }
}
