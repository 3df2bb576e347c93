import Glibc

/// The pages of the executable and its libraries that only startup reads, dropped from the
/// process's map once it has started: the dynamic loader's relocation tables (`.rela.dyn`,
/// applied before `main`) and the unwinder's tables (`.eh_frame_hdr`, `.eh_frame`, read when
/// the main thread leaves for `dispatch_main` through `pthread_exit`). They stay in the
/// resident set for the life of the process although nothing reads them again: 3.8 MB of an
/// idle node's 28 MB (README "Memory").
///
/// Safe by construction: only sections inside segments without write permission are
/// candidates, and a range is released only when none of its pages is a private copy
/// (`/proc/self/pagemap` says file page for every mapped one). `MADV_DONTNEED` on such clean
/// file pages loses nothing: a later read (a crash's backtrace) maps them again from the page
/// cache.
public enum StartupPages {
    /// The sections released, by name.
    static let names: Set<String> = [".rela.dyn", ".eh_frame_hdr", ".eh_frame"]

    /// Releases the pages of every loaded object and returns how many bytes of address range
    /// were released (0 where `/proc` or the files cannot be read).
    @discardableResult
    public static func release() -> Int {
        LoadedObject.all().reduce(0) { $0 + release(in: $1) }
    }

    static func release(in object: LoadedObject) -> Int {
        let page = max(1, sysconf(Int32(_SC_PAGESIZE)))
        var released = 0
        for range in object.unwritableRanges(named: names) ?? [] {
            // Whole pages inside the section only: a page shared with live data stays.
            let start = (range.lowerBound + page - 1) / page * page
            let end = range.upperBound / page * page
            guard end > start, let entries = PageMap.entries(from: start, pages: (end - start) / page),
                  entries.allSatisfy({ !PageMap.isPresent($0) || PageMap.isFilePage($0) }),
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            if madvise(address, end - start, MADV_DONTNEED) == 0 { released += end - start }
        }
        return released
    }
}

/// A file the loader mapped (the executable or a shared library), as `/proc/self/maps` shows
/// it: its path, its inode and where its first page is mapped.
struct LoadedObject: Equatable {
    var path: String
    var inode: UInt64
    var base: Int

    /// Each file with a private executable mapping (code the loader mapped), once, in address
    /// order, with where its first page is mapped.
    ///
    /// Only those: other mapped files are opened by nobody here, because closing any
    /// descriptor of a file drops every POSIX lock the process holds on it. SQLite maps its
    /// database and WAL index and holds such locks on them; opening and closing those files
    /// released SQLite's read locks, another process then rewrote the WAL under a reader, and
    /// the reader crashed in `sqlite3WalFindFrame` (the real-process suites caught it).
    static func all() -> [LoadedObject] {
        guard let text = readFile("/proc/self/maps", limit: 16 << 20) else { return [] }
        struct Mapping { var start: Int; var perms: Substring; var offsetIsZero: Bool; var inode: UInt64; var path: String }
        var mappings: [Mapping] = []
        // "start-end perms offset dev inode   path"
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, let dash = fields[0].firstIndex(of: UInt8(ascii: "-")),
                  let start = Int(String(decoding: fields[0][..<dash], as: UTF8.self), radix: 16),
                  let inode = UInt64(String(decoding: fields[4], as: UTF8.self)), inode != 0 else { continue }
            let path = String(decoding: fields[5].drop(while: { $0 == UInt8(ascii: " ") }), as: UTF8.self)
            guard path.hasPrefix("/") else { continue }
            mappings.append(Mapping(start: start, perms: Substring(decoding: fields[1], as: UTF8.self),
                                    offsetIsZero: fields[2].allSatisfy { $0 == UInt8(ascii: "0") }, inode: inode, path: path))
        }
        let code = Set(mappings.filter { $0.perms.count == 4 && $0.perms.hasSuffix("xp") }.map(\.path))
        var seen = Set<String>(), objects: [LoadedObject] = []
        for mapping in mappings where mapping.offsetIsZero && code.contains(mapping.path) && seen.insert(mapping.path).inserted {
            objects.append(LoadedObject(path: mapping.path, inode: mapping.inode, base: mapping.start))
        }
        return objects
    }

    /// Loaded ranges of the named sections that lie wholly inside a segment without write
    /// permission; nil when the file cannot be read or is no longer the one mapped.
    func unwritableRanges(named names: Set<String>) -> [Range<Int>]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, UInt64(info.st_ino) == inode,
              let headers = ELF64Headers(read: { offset, count in
                  FileBytes.read(fd, offset: Int64(offset), count: count).flatMap { $0.count == count ? $0 : nil }
              }) else { return nil }
        // The segment holding the file's first page is mapped at `base`, page-aligned.
        let page = max(1, sysconf(Int32(_SC_PAGESIZE)))
        guard let first = headers.loadSegments.first(where: { $0.offset == 0 }) else { return nil }
        let bias = base &- (first.address / page * page)
        func loaded(_ address: Int, _ size: Int) -> Range<Int>? {
            let (low, o1) = address.addingReportingOverflow(bias)
            let (high, o2) = low.addingReportingOverflow(size)
            return o1 || o2 ? nil : low..<high
        }
        let unwritable = headers.loadSegments.filter { !$0.writable }.compactMap { loaded($0.address, $0.size) }
        return headers.sections.compactMap { section in
            guard names.contains(section.name), section.address > 0, let range = loaded(section.address, section.size),
                  unwritable.contains(where: { $0.lowerBound <= range.lowerBound && range.upperBound <= $0.upperBound })
            else { return nil }
            return range
        }
    }

    /// A whole /proc file (its size is not known in advance), or nil past `limit` bytes.
    private static func readFile(_ path: String, limit: Int) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = [], chunk = [UInt8](repeating: 0, count: 64 << 10)
        while bytes.count <= limit {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { return nil }
            if got == 0 { return bytes }
            bytes += chunk[..<got]
        }
        return nil
    }
}

/// This process's page table entries (`/proc/self/pagemap`: 64 bits per page). The present
/// and file-page bits are readable for one's own pages without privileges.
enum PageMap {
    static func isPresent(_ entry: UInt64) -> Bool { entry >> 63 & 1 == 1 }
    /// A page of a file (or shared memory); a private copy made by a write is anonymous.
    static func isFilePage(_ entry: UInt64) -> Bool { entry >> 61 & 1 == 1 }

    /// The entries of `pages` pages from the page-aligned `address`, or nil.
    static func entries(from address: Int, pages: Int) -> [UInt64]? {
        let page = max(1, sysconf(Int32(_SC_PAGESIZE)))
        guard address >= 0, pages > 0, pages <= 1 << 20 else { return nil }
        let fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var entries = [UInt64](repeating: 0, count: pages)
        let bytes = entries.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(address / page * 8)) }
        return bytes == pages * 8 ? entries : nil
    }
}
