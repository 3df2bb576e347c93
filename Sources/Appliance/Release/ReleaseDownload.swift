import Net
import Mesh
import Glibc
import FoundationEssentials

/// Brings the manifest's release for this machine into a release directory: downloads the
/// artifact from the manifest's URL (at most its stated size), checks the size, and hands it
/// to `ReleaseDirectory.install`, which verifies the sha256 before anything is switched.
struct ReleaseDownload: Sendable {
    let fetcher: any HTTPFetching
    let directory: ReleaseDirectory
    var timeout: Duration = .seconds(600)

    /// Installs `manifest`'s release and makes it current; returns its version. A release
    /// already current is left as it is. The bytes come from `peer` (a node that has the
    /// release, over the mesh with this data dir's certificate) or else the manifest's URL.
    func install(_ manifest: ReleaseManifest, peer: (address: PeerAddress, files: MeshFiles)? = nil) async throws(ReleaseError) -> String {
        guard let artifact = manifest.artifactForThisMachine else {
            throw ReleaseError(.invalidArgument, "release.json names no artifact for \(ReleaseManifest.machine) (it has \(manifest.artifacts.keys.sorted().joined(separator: ", ")))")
        }
        if directory.current == manifest.version { return manifest.version }
        let bytes: [UInt8]
        if let peer {
            bytes = try await ReleaseTransfer.fetch(version: manifest.version, size: artifact.size, from: peer.address, files: peer.files)
        } else if let url = artifact.url {
            bytes = try await download(url, size: artifact.size)
        } else {
            throw ReleaseError(.invalidArgument, "release.json gives no url for \(ReleaseManifest.machine); fetch it from a peer that has it (--peer wss://HOST:PORT)")
        }
        let version = try await place(bytes, artifact: artifact, version: manifest.version)
        try directory.makeCurrent(version)
        return version
    }

    /// Installs fetched bytes as `releases/VERSION/` (sha256 checked) without switching `current`.
    func place(_ bytes: [UInt8], artifact: ReleaseManifest.Artifact, version: String) async throws(ReleaseError) -> String {
        guard Int64(bytes.count) == artifact.size else {
            throw ReleaseError(.checksumMismatch, "got \(bytes.count) bytes of release \(version), release.json says \(artifact.size): refusing it")
        }
        try ReleaseDirectory.makeDirectory(directory.prefix)
        let staging = directory.prefix + "/.download-\(getpid())"
        try ReleaseDirectory.writeDurably(bytes, to: staging, mode: 0o700)
        defer { unlink(staging) }
        return try await directory.place(file: staging, sha256: artifact.sha256, version: version)
    }

    func download(_ url: String, size: Int64) async throws(ReleaseError) -> [UInt8] {
        let request = OutgoingRequest(url: url, timeouts: .init(connect: .seconds(15), firstByte: .seconds(60), idle: .seconds(60), total: timeout),
                                      maxRedirects: 5, maxResponseBytes: Int(clamping: size))
        let data: Data
        do {
            let response = try await fetcher.send(request)
            guard response.status == 200 else {
                throw ReleaseError(.io, "GET \(SecretRedaction.redactURLCredentials(url)) answered HTTP \(response.status)")
            }
            data = try await response.collect()
        } catch let error as ReleaseError {
            throw error
        } catch {
            throw ReleaseError(.io, "cannot download \(SecretRedaction.redactURLCredentials(url)): \(error)")
        }
        guard Int64(data.count) == size else {
            throw ReleaseError(.checksumMismatch, "downloaded \(data.count) bytes, release.json says \(size): refusing to install it")
        }
        return [UInt8](data)
    }
}
