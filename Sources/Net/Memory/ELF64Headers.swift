/// What a 64-bit little-endian ELF file (x86_64 and arm64, the targets) says about its own
/// layout: its sections (name, link-time address, size) and its `PT_LOAD` segments. Reads
/// through `read(offset, count)`, so only the header, the two tables and the section names are
/// read, never the whole file; every field is checked against the bytes actually there and
/// against overflow, and a section or segment that does not fit in `Int` is left out.
struct ELF64Headers: Equatable {
    struct Section: Equatable { var name: String; var address: Int; var size: Int }
    struct Segment: Equatable { var offset: Int; var address: Int; var size: Int; var writable: Bool }

    var sections: [Section]
    var loadSegments: [Segment]

    /// The most a table or the section names may take: real ones are a few KB.
    static let maxTableBytes = 1 << 20

    init(sections: [Section], loadSegments: [Segment]) {
        self.sections = sections
        self.loadSegments = loadSegments
    }

    init?(read: (_ offset: Int, _ count: Int) -> [UInt8]?) {
        guard let header = read(0, 64), header.count == 64, header.starts(with: [0x7F, 0x45, 0x4C, 0x46]),
              header[4] == 2, header[5] == 1 else { return nil }   // ELFCLASS64, ELFDATA2LSB
        guard let programs = Self.table(read, header, offsetAt: 0x20, sizeAt: 0x36, countAt: 0x38, minimumEntry: 56),
              let sections = Self.table(read, header, offsetAt: 0x28, sizeAt: 0x3A, countAt: 0x3C, minimumEntry: 64)
        else { return nil }
        loadSegments = programs.compactMap { entry in
            guard entry.little(UInt32.self, at: 0) == 1,   // PT_LOAD
                  let offset = Int(exactly: entry.little(UInt64.self, at: 8)),
                  let address = Int(exactly: entry.little(UInt64.self, at: 16)),
                  let size = Int(exactly: entry.little(UInt64.self, at: 40)) else { return nil }
            return Segment(offset: offset, address: address, size: size, writable: entry.little(UInt32.self, at: 4) & 2 != 0)
        }
        let namesIndex = Int(header.little(UInt16.self, at: 0x3E))
        guard namesIndex < sections.count else { return nil }
        let namesEntry = sections[namesIndex]
        guard let namesOffset = Int(exactly: namesEntry.little(UInt64.self, at: 24)),
              let namesSize = Int(exactly: namesEntry.little(UInt64.self, at: 32)), namesSize <= Self.maxTableBytes,
              let names = read(namesOffset, namesSize), names.count == namesSize else { return nil }
        self.sections = sections.compactMap { entry in
            let name = Int(entry.little(UInt32.self, at: 0))
            guard name < names.count, let end = names[name...].firstIndex(of: 0),
                  let address = Int(exactly: entry.little(UInt64.self, at: 16)),
                  let size = Int(exactly: entry.little(UInt64.self, at: 32)) else { return nil }
            return Section(name: String(decoding: names[name..<end], as: UTF8.self), address: address, size: size)
        }
    }

    /// A table the header points at: its entries, each at least `minimumEntry` bytes.
    private static func table(_ read: (Int, Int) -> [UInt8]?, _ header: [UInt8], offsetAt: Int, sizeAt: Int,
                              countAt: Int, minimumEntry: Int) -> [ArraySlice<UInt8>]? {
        guard let offset = Int(exactly: header.little(UInt64.self, at: offsetAt)) else { return nil }
        let entrySize = Int(header.little(UInt16.self, at: sizeAt)), count = Int(header.little(UInt16.self, at: countAt))
        guard entrySize >= minimumEntry, count > 0, count * entrySize <= maxTableBytes,
              let bytes = read(offset, count * entrySize), bytes.count == count * entrySize else { return nil }
        return (0..<count).map { bytes[($0 * entrySize)..<(($0 + 1) * entrySize)] }
    }
}

extension Collection<UInt8> where Index == Int {
    /// The little-endian integer `offset` bytes into the collection; the caller has checked
    /// that it fits.
    fileprivate func little<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
        var value: T = 0
        for index in (0..<MemoryLayout<T>.size).reversed() { value = value << 8 | T(self[startIndex + offset + index]) }
        return value
    }
}
