import Mesh
import Net
import Glibc
import FoundationEssentials

/// Release binaries between nodes over the mesh (mTLS: members and CA-certified clients
/// only): `deploy/binary {version, offset}` answers one chunk of `releases/VERSION/triforce`
/// from this node's release directory as base64, with the file's size. The fetching side
/// checks the size and the sha256 against the manifest; the chunks themselves are not trusted.
enum ReleaseTransfer {
    static let method = "deploy/binary"
    /// Raw bytes per answer: base64 of it stays well inside the mesh's 1 MiB message limit.
    static let chunkBytes = 384 << 10

    /// Answers `deploy/binary` from `directory`.
    static func serve(on service: MeshService, directory: ReleaseDirectory) async {
        await service.serve(method) { params, _ in
            guard let version = params["version"]?.stringValue, (try? ReleaseDirectory.validate(version: version)) != nil,
                  let offset = params["offset"]?.intValue, offset >= 0 else {
                return .failure(JSONRPCError(code: JSONRPCError.invalidParamsCode, message: "expected {\"version\": NAME, \"offset\": N >= 0}"))
            }
            return read(directory.binary(of: version), version: version, offset: offset)
        }
    }

    static func read(_ path: String, version: String, offset: Int64) -> Result<JSONValue, JSONRPCError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(JSONRPCError(code: JSONRPCError.invalidParamsCode, message: "release \(version) is not installed on this node"))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(JSONRPCError(code: JSONRPCError.internalErrorCode, message: "cannot stat the release")) }
        let size = Int64(info.st_size)
        guard offset <= size else {
            return .failure(JSONRPCError(code: JSONRPCError.invalidParamsCode, message: "offset \(offset) is past the end (\(size) bytes)"))
        }
        var buffer = [UInt8](repeating: 0, count: Int(min(Int64(chunkBytes), size - offset)))
        var filled = 0
        while filled < buffer.count {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return pread(fd, base + filled, raw.count - filled, off_t(offset) + off_t(filled))
            }
            guard n > 0 else { return .failure(JSONRPCError(code: JSONRPCError.internalErrorCode, message: "cannot read the release")) }
            filled += n
        }
        return .success(["version": .string(version), "size": .int(size), "offset": .int(offset),
                         "data": .string(Data(buffer).base64EncodedString())])
    }

    /// Downloads `version` from the node at `address` (its mesh port), presenting this data
    /// dir's mesh certificate; at most `size` bytes are accepted, and exactly `size` must come.
    /// The node answers only CA-certified callers (the mesh listener's mTLS).
    static func fetch(version: String, size: Int64, from address: PeerAddress, files: MeshFiles) async throws(ReleaseError) -> [UInt8] {
        let client: MeshClient
        do {
            client = MeshClient(tls: try MbedTLSContext(configuration: .client(
                trustRoots: .file(files.caCertificate), certificateChain: .file(files.nodeCertificate), privateKey: .file(files.nodeKey))))
        } catch {
            throw ReleaseError(.io, "cannot load this node's mesh certificate: \(error)")
        }
        return try await fetch(version: version, size: size, from: "\(address)") { params in
            // A one-shot mesh connection carries one request: one connection per chunk.
            try await client.connect(to: address, oneShot: true).call(method, params: params, timeout: .seconds(60))
        }
    }

    /// Downloads `version` chunk by chunk through `call` (a one-shot connection, or the link a
    /// member already keeps); at most `size` bytes are accepted, and exactly `size` must come.
    static func fetch(version: String, size: Int64, from peer: String,
                      call: (JSONValue) async throws -> JSONValue) async throws(ReleaseError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(clamping: size))
        while Int64(bytes.count) < size {
            let answer: JSONValue
            do {
                answer = try await call(["version": .string(version), "offset": .int(Int64(bytes.count))])
            } catch {
                throw ReleaseError(.io, "peer \(peer) did not send release \(version) (at byte \(bytes.count)): \(error)")
            }
            guard answer["size"]?.intValue == size else {
                throw ReleaseError(.checksumMismatch, "peer \(peer) has release \(version) with \(answer["size"]?.intValue.map(String.init) ?? "?") bytes, release.json says \(size): refusing it")
            }
            guard let text = answer["data"]?.stringValue, let chunk = Data(base64Encoded: text), !chunk.isEmpty,
                  Int64(bytes.count + chunk.count) <= size else {
                throw ReleaseError(.io, "peer \(peer) sent a malformed chunk of release \(version)")
            }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }
}
