import Glibc

/// This process's resident set size, from `/proc/self/statm` (Linux): resident pages × page
/// size. nil where the file is missing or unreadable (not Linux, a locked-down sandbox).
enum ResidentMemory {
    static func bytes() -> Int64? {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        // "size resident shared text lib data dt": the second field.
        let fields = buffer[..<count].split(separator: UInt8(ascii: " "))
        guard fields.count >= 2, let pages = Int64(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
        let (total, overflow) = pages.multipliedReportingOverflow(by: max(1, pageSize))
        return overflow ? nil : total
    }
}
