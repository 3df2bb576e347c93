@testable import Appliance
import Mesh
import FoundationEssentials
import Glibc
import Net
import Testing
import TestSupport

/// `releases/VERSION/triforce` plus atomic `current` / `previous` symlinks, in temp prefixes.
@Suite("release install and rollback")
struct ReleaseDirectoryTests {
    static let binary = FileManager.default.currentDirectoryPath + "/.build/debug/triforce"

    static func file(_ content: String, in dir: String) throws -> (path: String, sha256: String) {
        let path = dir + "/candidate-\(UInt32.random(in: 0...UInt32.max))"
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        return (path, SHA256.hexHash(Array(content.utf8)))
    }

    static func contents(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func installSwitchesCurrentAndKeepsPreviousForRollback() async throws {
        let dir = TemporaryDirectory.make()
        let releases = ReleaseDirectory(prefix: dir + "/opt")
        let one = try Self.file("binary one", in: dir), two = try Self.file("binary two", in: dir)

        #expect(try await releases.install(file: one.path, sha256: one.sha256, version: "1.0.0") == "1.0.0")
        #expect(releases.current == "1.0.0" && releases.previous == nil)
        #expect(Self.contents(dir + "/opt/current/triforce") == "binary one")
        #expect(MeshFiles.exists(dir + "/opt/current/triforce") && access(dir + "/opt/current/triforce", X_OK) == 0)

        // Upper-case hex is what some tools print; accepted.
        #expect(try await releases.install(file: two.path, sha256: two.sha256.uppercased(), version: "1.1.0") == "1.1.0")
        #expect(releases.current == "1.1.0" && releases.previous == "1.0.0")
        #expect(Self.contents(dir + "/opt/current/triforce") == "binary two")
        #expect(releases.installed() == ["1.0.0", "1.1.0"])

        // The same release again changes nothing.
        #expect(try await releases.install(file: two.path, sha256: two.sha256, version: "1.1.0") == "1.1.0")
        #expect(releases.current == "1.1.0" && releases.previous == "1.0.0")

        #expect(try releases.rollback() == "1.0.0")
        #expect(releases.current == "1.0.0" && releases.previous == "1.1.0")
        #expect(Self.contents(dir + "/opt/current/triforce") == "binary one")
        #expect(try releases.rollback() == "1.1.0")
        // No temporary links or staging directories are left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir + "/opt").filter { $0.contains("tmp") }
            + FileManager.default.contentsOfDirectory(atPath: dir + "/opt/releases").filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test func refusesWrongChecksumsBadVersionsAndConflicts() async throws {
        let dir = TemporaryDirectory.make()
        let releases = ReleaseDirectory(prefix: dir + "/opt")
        let one = try Self.file("binary one", in: dir), other = try Self.file("something else", in: dir)

        await #expect(throws: ReleaseError.self) { try await releases.install(file: one.path, sha256: other.sha256, version: "1.0.0") }
        #expect(releases.current == nil && releases.installed().isEmpty)
        for bad in ["", "abc", String(repeating: "z", count: 64), other.sha256 + "00"] {
            do {
                _ = try await releases.install(file: one.path, sha256: bad, version: "1.0.0")
                Issue.record("accepted sha256 '\(bad)'")
            } catch { #expect(error.code == .invalidArgument) }
        }
        for bad in ["../escape", ".hidden", "a/b", "", String(repeating: "9", count: 129), "1.0 beta"] {
            do {
                _ = try await releases.install(file: one.path, sha256: one.sha256, version: bad)
                Issue.record("accepted version '\(bad)'")
            } catch { #expect(error.code == .invalidArgument) }
        }
        do {
            _ = try await releases.install(file: dir + "/missing", sha256: one.sha256, version: "1.0.0")
            Issue.record("installed a missing file")
        } catch { #expect(error.code == .io) }

        _ = try await releases.install(file: one.path, sha256: one.sha256, version: "1.0.0")
        do {
            _ = try await releases.install(file: other.path, sha256: other.sha256, version: "1.0.0")
            Issue.record("replaced an installed release with another binary")
        } catch { #expect(error.code == .conflict) }
        #expect(Self.contents(dir + "/opt/current/triforce") == "binary one")
        do {
            _ = try releases.rollback()
            Issue.record("rolled back without a previous release")
        } catch { #expect(error.code == .noPrevious) }
    }

    /// The CLI end to end with the real binary: the version comes from `FILE --version`.
    @Test func cliInstallsTheRealBinaryUnderItsOwnVersion() async throws {
        try #require(FileManager.default.fileExists(atPath: Self.binary), "build the triforce binary first")
        let dir = TemporaryDirectory.make()
        let bytes = try #require(FileManager.default.contents(atPath: Self.binary))
        let sha = SHA256.hexHash([UInt8](bytes))
        let env = ["PATH": "/usr/bin:/bin"]
        let installed = try await Subprocess.run([Self.binary, "release", "install", Self.binary, "--sha256", sha, "--prefix", dir],
                                                 environment: env)
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(installed.stdout.contains("release \(TriForceVersion.current) is current"))
        #expect(ReleaseDirectory(prefix: dir).current == TriForceVersion.current)
        let version = try await Subprocess.run([dir + "/current/triforce", "--version"], environment: env)
        #expect(version.stdout.trimmed() == TriForceVersion.current)

        let again = try await Subprocess.run([Self.binary, "release", "install", Self.binary, "--sha256", sha, "--prefix", dir],
                                             environment: env)
        #expect(again.status == 0 && again.stdout.contains("already current"))
        let wrong = try await Subprocess.run([Self.binary, "release", "install", Self.binary, "--sha256", String(repeating: "0", count: 64),
                                              "--prefix", dir], environment: env)
        #expect(wrong.status == 1 && wrong.stderr.contains("refusing to install"))
        let rollback = try await Subprocess.run([Self.binary, "release", "rollback", "--prefix", dir], environment: env)
        #expect(rollback.status == 1 && rollback.stderr.contains("no previous release"))
        let list = try await Subprocess.run([Self.binary, "release", "list", "--prefix", dir], environment: env)
        #expect(list.stdout.contains("* \(TriForceVersion.current)"))
    }
}
