import FoundationEssentials
import Glibc
import Testing
import TestSupport
@testable import Net

/// The ELF reader against binutils' view of this test binary and against odd files, the
/// loaded objects against the process's own map, and the release itself: the relocation
/// tables' pages leave this process's map.
@Suite(.serialized) struct StartupPagesTests {   // releases are process-wide
    @Test func headersMatchReadelf() async throws {
        let path = try #require(LoadedObject.all().first?.path, "the executable is the first object mapped")
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        try #require(fd >= 0)
        defer { close(fd) }
        let headers = try #require(ELF64Headers { offset, count in
            var bytes = [UInt8](repeating: 0, count: count)
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return got == count ? bytes : nil
        })
        // "[Nr] Name Type Address Off Size ...": name, address and size of each named section.
        let sections = try await Subprocess.run(["readelf", "-SW", path])
        try #require(sections.status == 0, "\(sections.stderr)")
        var expected: [ELF64Headers.Section] = []
        for line in sections.stdout.split(separator: "\n") {
            guard let close = line.firstIndex(of: "]"), line.contains("["), !line.contains("[ 0]") else { continue }
            let fields = line[line.index(after: close)...].split(separator: " ")
            guard fields.count >= 5, let address = Int(fields[2], radix: 16), let size = Int(fields[4], radix: 16) else { continue }
            expected.append(.init(name: String(fields[0]), address: address, size: size))
        }
        #expect(expected.count > 20)
        #expect(headers.sections.filter { !$0.name.isEmpty } == expected)
        // "LOAD Offset VirtAddr PhysAddr FileSiz MemSiz Flg Align", Flg e.g. "R E" or "RW".
        let programs = try await Subprocess.run(["readelf", "-lW", path])
        let loads = programs.stdout.split(separator: "\n").filter { $0.drop(while: { $0 == " " }).hasPrefix("LOAD ") }.map { line in
            let fields = line.split(separator: " ")
            return ELF64Headers.Segment(offset: Int(fields[1].dropFirst(2), radix: 16)!, address: Int(fields[2].dropFirst(2), radix: 16)!,
                                        size: Int(fields[5].dropFirst(2), radix: 16)!, writable: line.contains(" RW"))
        }
        #expect(loads.count >= 2 && headers.loadSegments == loads)
    }

    @Test func loadedObjectsAreTheMappedFiles() throws {
        let objects = LoadedObject.all()
        #expect(objects.contains { $0.path.hasSuffix("/libc.so.6") })
        for object in objects {
            var info = stat()
            #expect(stat(object.path, &info) == 0 && UInt64(info.st_ino) == object.inode, "\(object.path)")
            #expect(try Self.isMapped(object.base), "\(object.path)'s first page")
        }
        #expect(Set(objects.map(\.path)).count == objects.count)
    }

    /// Closing any descriptor of a file drops the process's POSIX locks on it, so mapped data
    /// files (SQLite's database and WAL index) must never be opened: a locked, mapped data file
    /// is not an object, and its lock survives a release.
    @Test func mappedDataFilesAreLeftAlone() async throws {
        let path = TemporaryDirectory.make() + "/data.db"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        try #require(fd >= 0)
        defer { close(fd) }
        try #require(ftruncate(fd, 65_536) == 0)
        let mapped = mmap(nil, 65_536, PROT_READ, MAP_SHARED, fd, 0)
        try #require(mapped != MAP_FAILED)
        defer { munmap(mapped, 65_536) }
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        try #require(fcntl(fd, F_SETLK, &lock) == 0)
        #expect(!LoadedObject.all().contains { $0.path == path })
        StartupPages.release()
        // Another process cannot take the lock: this one still holds it.
        let probe = try await Subprocess.run(["python3", "-c", """
            import fcntl, sys
            f = open(sys.argv[1], "r+")
            try:
                fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                print("acquired")
            except OSError:
                print("held")
            """, path])
        #expect(probe.stdout == "held\n", "\(probe.stdout) \(probe.stderr)")
    }

    @Test func oddFilesYieldNothingOrFewerEntries() {
        func headers(_ file: [UInt8]) -> ELF64Headers? {
            ELF64Headers { offset, count in
                offset >= 0 && count >= 0 && offset <= file.count - count ? Array(file[offset..<(offset + count)]) : nil
            }
        }
        var file = Self.elf(sections: [("", 0, 0), (".rela.dyn", 0x1000, 0x200), (".shstrtab", 0, 0)])
        #expect(headers(file) == ELF64Headers(
            sections: [.init(name: "", address: 0, size: 0), .init(name: ".rela.dyn", address: 0x1000, size: 0x200),
                       .init(name: ".shstrtab", address: 0, size: 21)],
            loadSegments: [.init(offset: 0, address: 0, size: 0x3000, writable: false)]))
        #expect(headers([]) == nil)
        #expect(headers(Array(file[..<63])) == nil)                             // short header
        #expect(headers(Array(file[..<(file.count - 1)])) == nil)                // names cut short
        var wrongClass = file; wrongClass[4] = 1                                 // ELFCLASS32
        #expect(headers(wrongClass) == nil)
        var bigEndian = file; bigEndian[5] = 2
        #expect(headers(bigEndian) == nil)
        var farTable = file; farTable.replaceSubrange(0x28..<0x30, with: [UInt8](repeating: 0xFF, count: 8))
        #expect(headers(farTable) == nil)                                        // e_shoff past Int.max
        var hugeCount = file; hugeCount.replaceSubrange(0x3C..<0x3E, with: [0xFF, 0xFF])
        #expect(headers(hugeCount) == nil)                                       // 65,535 sections: past the file
        var noPrograms = file; noPrograms.replaceSubrange(0x38..<0x3A, with: [0, 0])
        #expect(headers(noPrograms) == nil)
        var badIndex = file; badIndex.replaceSubrange(0x3E..<0x40, with: [9, 0])
        #expect(headers(badIndex) == nil)                                        // names index past the table
        // A segment past Int.max is left out.
        var farSegment = file; farSegment.replaceSubrange((64 + 40)..<(64 + 48), with: [UInt8](repeating: 0xFF, count: 8))
        #expect(headers(farSegment)?.loadSegments == [])
        // A name offset past the names, an address past Int.max: that section is left out.
        let second = 64 + 56 + 64   // the second section header
        file.replaceSubrange(second..<(second + 4), with: [0xFF, 0xFF, 0, 0])
        #expect(headers(file)?.sections.map(\.name) == ["", ".shstrtab"])
        file = Self.elf(sections: [("", 0, 0), (".eh_frame", UInt64.max, 8), (".shstrtab", 0, 0)])
        #expect(headers(file)?.sections.map(\.name) == ["", ".shstrtab"])
    }

    @Test func releaseDropsTheRelocationTablesFromTheMap() throws {
        let page = sysconf(Int32(_SC_PAGESIZE))
        var checked = 0
        for object in LoadedObject.all() {
            // Writable segments are never candidates.
            #expect(object.unwritableRanges(named: [".data", ".data.rel.ro", ".got", ".bss"]) ?? [] == [])
            guard let range = object.unwritableRanges(named: [".rela.dyn"])?.first else { continue }
            let pages = Array(stride(from: (range.lowerBound + page - 1) / page * page, to: range.upperBound / page * page, by: page))
            guard !pages.isEmpty else { continue }
            // Read once (the loader did before main; an earlier release may have dropped them).
            var sum: UInt8 = 0
            for page in pages { sum &+= UnsafePointer<UInt8>(bitPattern: page)!.pointee }
            #expect(try pages.allSatisfy { try Self.isMapped($0) }, "\(object.path) before (\(sum))")
            #expect(StartupPages.release(in: object) >= pages.count * page)
            #expect(try !pages.contains { try Self.isMapped($0) }, "\(object.path) after")
            checked += 1
        }
        #expect(checked >= 2, "the executable and at least one library have whole pages of relocations")
        #expect(StartupPages.release() > 0)   // the unwinder's tables, still mapped
    }

    static func isMapped(_ address: Int) throws -> Bool {
        let page = sysconf(Int32(_SC_PAGESIZE))
        return PageMap.isPresent(try #require(PageMap.entries(from: address / page * page, pages: 1)?.first))
    }

    /// A minimal little-endian ELF64 file: the header, one read-only `PT_LOAD`, the section
    /// headers, then the section names.
    static func elf(sections: [(name: String, address: UInt64, size: UInt64)]) -> [UInt8] {
        func le<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        var names: [UInt8] = [], nameOffsets: [UInt32] = []
        for section in sections {
            nameOffsets.append(UInt32(names.count)); names += Array(section.name.utf8) + [0]
        }
        let programOffset = 64, tableOffset = 64 + 56, namesOffset = tableOffset + 64 * sections.count
        var header = [0x7F, 0x45, 0x4C, 0x46, 2, 1, 1] + [UInt8](repeating: 0, count: 64 - 7)
        header.replaceSubrange(0x20..<0x28, with: le(UInt64(programOffset)))
        header.replaceSubrange(0x28..<0x30, with: le(UInt64(tableOffset)))
        header.replaceSubrange(0x36..<0x38, with: le(UInt16(56)))
        header.replaceSubrange(0x38..<0x3A, with: le(UInt16(1)))
        header.replaceSubrange(0x3A..<0x3C, with: le(UInt16(64)))
        header.replaceSubrange(0x3C..<0x3E, with: le(UInt16(sections.count)))
        header.replaceSubrange(0x3E..<0x40, with: le(UInt16(sections.count - 1)))   // names last
        var program = [UInt8](repeating: 0, count: 56)
        program.replaceSubrange(0..<4, with: le(UInt32(1)))                            // PT_LOAD
        program.replaceSubrange(4..<8, with: le(UInt32(4)))                            // PF_R
        program.replaceSubrange(40..<48, with: le(UInt64(0x3000)))                     // p_memsz
        var table: [UInt8] = []
        for (index, section) in sections.enumerated() {
            let isNames = index == sections.count - 1
            var entry = [UInt8](repeating: 0, count: 64)
            entry.replaceSubrange(0..<4, with: le(nameOffsets[index]))
            entry.replaceSubrange(16..<24, with: le(section.address))
            entry.replaceSubrange(24..<32, with: le(UInt64(isNames ? namesOffset : 0)))
            entry.replaceSubrange(32..<40, with: le(isNames ? UInt64(names.count) : section.size))
            table += entry
        }
        return header + program + table + names
    }
}
