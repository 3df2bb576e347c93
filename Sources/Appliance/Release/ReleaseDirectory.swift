import Mesh
import Glibc
import FoundationEssentials
import Net

/// Installed releases under a prefix (default `/opt/triforce`):
/// `releases/VERSION/triforce`, and two symlinks, `current` and `previous`, each naming a
/// release directory relatively. Switching replaces a symlink by renaming a temporary one
/// over it, so a reader (systemd starting `current/triforce`) sees the old or the new
/// release, never neither. The previous release stays installed for `rollback`.
struct ReleaseDirectory: Sendable {
    /// A larger "binary" is a mistake (a disk image, a core file), not a release.
    static let maxBinaryBytes = 512 << 20

    let prefix: String

    var releases: String { prefix + "/releases" }
    var currentLink: String { prefix + "/current" }
    var previousLink: String { prefix + "/previous" }
    func binary(of version: String) -> String { releases + "/" + version + "/triforce" }

    /// The version `current` / `previous` point at, nil when the link is absent.
    var current: String? { Self.linkedVersion(currentLink) }
    var previous: String? { Self.linkedVersion(previousLink) }

    /// Versions installed, sorted by name.
    func installed() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: releases)) ?? [])
            .filter { !$0.hasPrefix(".") && MeshFiles.exists(binary(of: $0)) }
            .sorted()
    }

    /// Checks `file` against `sha256` and copies it to `releases/VERSION/` (VERSION from
    /// `version`, else from the binary's own `--version`) without switching `current`: a
    /// rolling update runs the new release on trial first. Placing a release already
    /// installed with the same bytes changes nothing. Returns the installed version.
    func place(file: String, sha256 expected: String, version requested: String?) async throws(ReleaseError) -> String {
        let wanted = expected.lowercased()
        guard wanted.count == 64, Hex.decode(wanted) != nil else {
            throw ReleaseError(.invalidArgument, "--sha256 must be 64 hex digits (the output of sha256sum), got '\(expected)'")
        }
        let (bytes, actual) = try await BlockingIO.run { () throws(ReleaseError) in
            let bytes = try Self.read(file)
            return (bytes, SHA256.hexHash(bytes))
        }
        guard constantTimeEquals(Array(actual.utf8), Array(wanted.utf8)) else {
            throw ReleaseError(.checksumMismatch, "\(file) has sha256 \(actual), expected \(wanted): refusing to install it")
        }
        let staging = releases + "/.staging-\(getpid())"
        defer { Self.removeTree(staging) }
        try await BlockingIO.run { [prefix, releases] () throws(ReleaseError) in
            try Self.makeDirectory(prefix)
            try Self.makeDirectory(releases)
            Self.removeTree(staging)
            try Self.makeDirectory(staging)
            try Self.writeDurably(bytes, to: staging + "/triforce", mode: 0o755)
        }
        let version: String
        if let requested { version = requested } else { version = try await ReleaseBinary.version(of: staging + "/triforce") }
        try Self.validate(version: version)

        let target = releases + "/" + version
        if MeshFiles.exists(target) {
            let installed = try Self.read(binary(of: version))
            guard SHA256.hexHash(installed) == actual else {
                throw ReleaseError(.conflict, "release \(version) is already installed with a different binary (sha256 \(SHA256.hexHash(installed))); give this one another --version")
            }
        } else {
            guard rename(staging, target) == 0 else { throw Self.failure("install \(target)") }
            Self.syncDirectory(releases)
        }
        return version
    }

    /// `place`, then makes the release current (the one that was current becomes `previous`).
    func install(file: String, sha256 expected: String, version requested: String?) async throws(ReleaseError) -> String {
        let version = try await place(file: file, sha256: expected, version: requested)
        try makeCurrent(version)
        return version
    }

    /// Makes an installed release current; the one that was current becomes `previous`.
    /// Making the current release current changes nothing.
    func makeCurrent(_ version: String) throws(ReleaseError) {
        try Self.validate(version: version)
        guard MeshFiles.exists(binary(of: version)) else {
            throw ReleaseError(.invalidArgument, "release \(version) is not installed under \(releases)")
        }
        guard current != version else { return }
        let old = current
        try Self.point(currentLink, at: version)
        if let old { try Self.point(previousLink, at: old) }
    }

    /// Makes `previous` current again (and the current one previous). Returns the version now current.
    func rollback() throws(ReleaseError) -> String {
        guard let back = previous, MeshFiles.exists(binary(of: back)) else {
            throw ReleaseError(.noPrevious, "no previous release under \(prefix) to roll back to")
        }
        let now = current
        try Self.point(currentLink, at: back)
        if let now { try Self.point(previousLink, at: now) }
        return back
    }

    // MARK: Files

    /// Release names become path components: keep them to one safe component.
    static func validate(version: String) throws(ReleaseError) {
        let allowed = version.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "_")
        }
        guard allowed, !version.isEmpty, version.count <= 128, !version.hasPrefix(".") else {
            throw ReleaseError(.invalidArgument, "release version '\(version)' must be 1-128 of A-Z a-z 0-9 . - + _ and not start with '.'")
        }
    }

    /// Replaces `link` with a symlink to `releases/VERSION` via rename of a temporary link.
    static func point(_ link: String, at version: String) throws(ReleaseError) {
        let temporary = link + ".tmp-\(getpid())"
        unlink(temporary)
        guard symlink("releases/" + version, temporary) == 0 else { throw failure("create \(temporary)") }
        guard rename(temporary, link) == 0 else {
            unlink(temporary)
            throw failure("switch \(link)")
        }
        syncDirectory(String(link[..<(link.lastIndex(of: "/") ?? link.startIndex)]))
    }

    static func linkedVersion(_ link: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink(link, &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let target = String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return target.split(separator: "/").last.map(String.init)
    }

    static func read(_ path: String) throws(ReleaseError) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw failure("read \(path)") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ReleaseError(.invalidArgument, "\(path) is not a regular file") }
        guard info.st_size <= maxBinaryBytes else {
            throw ReleaseError(.invalidArgument, "\(path) is \(info.st_size) bytes; a release binary is at most \(maxBinaryBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw failure("read \(path)") }
        return [UInt8](data)
    }

    static func writeDurably(_ bytes: [UInt8], to path: String, mode: mode_t) throws(ReleaseError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("create \(path)") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw failure("write \(path)") }
            offset += written
        }
        guard fchmod(fd, mode) == 0, fsync(fd) == 0 else { throw failure("sync \(path)") }
    }

    static func makeDirectory(_ path: String) throws(ReleaseError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw failure("create \(path)") }
    }

    static func syncDirectory(_ path: String) {
        let fd = open(path.isEmpty ? "/" : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    static func removeTree(_ path: String) { try? FileManager.default.removeItem(atPath: path) }

    static func failure(_ what: String) -> ReleaseError {
        ReleaseError(.io, "\(what): \(String(cString: strerror(errno)))")
    }
}
