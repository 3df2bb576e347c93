import Glibc

/// Positional reads of an open file (FoundationEssentials has no FileHandle).
public enum FileBytes {
    /// Up to `count` bytes at `offset`: fewer only where the file ends; nil on a read error
    /// (`errno` says which) or an offset and count that do not fit the file API.
    public static func read(_ fd: Int32, offset: Int64, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= Int64.max - Int64(count) else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { raw in
                pread(fd, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if got < 0 { if errno == EINTR { continue }; return nil }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(count - filled)
        return bytes
    }
}
