import Net
import Glibc

/// `release.json` in the config repository: the release every node should run, with one
/// artifact per architecture (`uname -m` names: x86_64, aarch64). Nodes verify the sha256
/// and size of whatever bytes they fetch (from a peer or the optional URL) against it.
///
/// ```json
/// {"version": "0.2.0",
///  "artifacts": {"x86_64": {"sha256": "<64 hex>", "size": 26214400, "url": "https://example.com/triforce-0.2.0-x86_64"}}}
/// ```
struct ReleaseManifest: Sendable, Equatable, Codable {
    struct Artifact: Sendable, Equatable, Codable {
        var sha256: String
        var size: Int64
        var url: String?
    }

    var version: String
    var artifacts: [String: Artifact]

    static let file = "release.json"

    /// This machine's artifact, nil when the manifest has none for it.
    var artifactForThisMachine: Artifact? { artifacts[Self.machine] }

    /// `uname -m` of this machine.
    static let machine: String = {
        var name = utsname()
        guard uname(&name) == 0 else { return "unknown" }
        return withUnsafeBytes(of: &name.machine) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }()

    static func parse(_ text: String) throws(ConfigSyncError) -> ReleaseManifest {
        var fields = try ConfigFields(.object(try ConfigBundle.json(text, path: file)), path: file, context: "release")
        guard let version = try fields.string("version", maxBytes: 128) else { throw fields.fail("version", "required") }
        do {
            try ReleaseDirectory.validate(version: version)
        } catch {
            throw fields.fail("version", "\(error)")
        }
        guard let list = fields.value("artifacts")?.objectValue, !list.isEmpty else {
            throw fields.fail("artifacts", #"required: {"x86_64": {"sha256": ..., "size": ...}, ...}"#)
        }
        var artifacts: [String: Artifact] = [:]
        for arch in list.keys.sorted() {
            guard arch.utf8.count <= 32, arch.utf8.allSatisfy({ ($0 | 0x20) &- 97 < 26 || $0 &- 48 < 10 || $0 == UInt8(ascii: "_") }) else {
                throw fields.fail("artifacts", "\"\(arch)\" is not an architecture name (uname -m: x86_64, aarch64)")
            }
            var artifact = try ConfigFields(list[arch] ?? .null, path: file, context: "release.artifacts.\(arch)")
            guard let sha = try artifact.string("sha256", maxBytes: 64)?.lowercased(), sha.utf8.count == 64, Hex.decode(sha) != nil else {
                throw artifact.fail("sha256", "required: 64 hex digits, as sha256sum prints")
            }
            guard let size = try artifact.int("size", in: 1...Int64(ReleaseDirectory.maxBinaryBytes)) else {
                throw artifact.fail("size", "required: the binary's size in bytes")
            }
            let url = try artifact.string("url", maxBytes: 2_048)
            if let url {
                let lower = url.lowercased()
                guard lower.hasPrefix("https://") || lower.hasPrefix("http://"), !url.contains(where: \.isWhitespace) else {
                    throw artifact.fail("url", "expected an https:// (or http://) URL")
                }
            }
            try artifact.finish()
            artifacts[arch] = Artifact(sha256: sha, size: size, url: url)
        }
        try fields.finish()
        return ReleaseManifest(version: version, artifacts: artifacts)
    }
}
