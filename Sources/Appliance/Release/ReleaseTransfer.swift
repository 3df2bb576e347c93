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
        let count = Int(min(Int64(chunkBytes), size - offset))
        guard let buffer = FileBytes.read(fd, offset: offset, count: count), buffer.count == count else {
            return .failure(JSONRPCError(code: JSONRPCError.internalErrorCode, message: "cannot read the release"))
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

    /// Chunk requests in flight at once: a transfer waits on round trips, not on bandwidth.
    static let window = 4

    /// Downloads `version` chunk by chunk through `call` (a one-shot connection, or the link a
    /// member already keeps), `window` chunks at a time; at most `size` bytes are accepted, and
    /// exactly `size` must come. Only contiguous bytes are kept: a chunk shorter than asked for
    /// (a peer with another chunk size) drops the ones after it, which are asked for again.
    static func fetch(version: String, size: Int64, from peer: String,
                      call: @escaping @Sendable (JSONValue) async throws -> JSONValue) async throws(ReleaseError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(clamping: size))
        while Int64(bytes.count) < size {
            let start = Int64(bytes.count)
            let offsets = (0..<Int64(window)).map { start + $0 * Int64(chunkBytes) }.filter { $0 < size }
            let answers = await withTaskGroup(of: (offset: Int64, answer: Result<JSONValue, any Error>).self) { group in
                for offset in offsets {
                    group.addTask {
                        do {
                            let answer = try await call(["version": .string(version), "offset": .int(offset)])
                            return (offset, Result<JSONValue, any Error>.success(answer))
                        } catch {
                            return (offset, Result<JSONValue, any Error>.failure(error))
                        }
                    }
                }
                var all: [(offset: Int64, answer: Result<JSONValue, any Error>)] = []
                for await answer in group { all.append(answer) }
                return all.sorted { $0.offset < $1.offset }
            }
            for (offset, result) in answers {
                guard Int64(bytes.count) == offset else { break }
                let answer: JSONValue
                switch result {
                case .success(let value): answer = value
                case .failure(let error): throw ReleaseError(.io, "peer \(peer) did not send release \(version) (at byte \(offset)): \(error)")
                }
                guard answer["size"]?.intValue == size else {
                    throw ReleaseError(.checksumMismatch, "peer \(peer) has release \(version) with \(answer["size"]?.intValue.map(String.init) ?? "?") bytes, release.json says \(size): refusing it")
                }
                guard let text = answer["data"]?.stringValue, let chunk = Data(base64Encoded: text), !chunk.isEmpty,
                      Int64(bytes.count + chunk.count) <= size else {
                    throw ReleaseError(.io, "peer \(peer) sent a malformed chunk of release \(version)")
                }
                bytes.append(contentsOf: chunk)
                if chunk.count < min(chunkBytes, Int(clamping: size - offset)) { break }
            }
        }
        return bytes
    }
}
