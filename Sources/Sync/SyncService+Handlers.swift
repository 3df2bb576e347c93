public import Mesh
public import Net
import Logging
import Storage
import FoundationEssentials

/// The sync methods this node serves on its mesh links. Data methods answer members only;
/// `sync/status` also answers CA-certified clients (`triforce sync status`).
extension SyncService {
    public func attach() async {
        // Decided before any link opens, so no push can land ahead of the snapshot.
        bootstrapPending = (try? await needsSnapshot()) ?? true
        await mesh.serve("sync/digest") { [self] _, caller in
            guard caller.isMember else { return .failure(Self.membersOnly) }
            return await self.answer { try await self.digest() }
        }
        await mesh.serve("sync/changes") { [self] params, caller in
            guard caller.isMember else { return .failure(Self.membersOnly) }
            return await self.answer {
                guard let after = params["after"]?.intValue, after >= 0 else {
                    throw SyncError(.malformed, "sync/changes needs after (a non-negative integer)")
                }
                let limit = params["limit"]?.intValue.map { Int(clamping: $0) } ?? self.configuration.pageLimit
                return try await self.store.changes(after: after, limit: min(max(1, limit), self.configuration.pageLimit)).json
            }
        }
        await mesh.serve("sync/snapshot") { [self] params, caller in
            guard caller.isMember else { return .failure(Self.membersOnly) }
            return await self.answer {
                let made = try await self.outbox.manifest(resuming: params["id"]?.stringValue)
                return made.manifest.json(id: made.id)
            }
        }
        await mesh.serve("sync/snapshot/chunk") { [self] params, caller in
            guard caller.isMember else { return .failure(Self.membersOnly) }
            return await self.answer {
                guard let id = params["id"]?.stringValue, let offset = params["offset"]?.intValue else {
                    throw SyncError(.malformed, "sync/snapshot/chunk needs id and offset")
                }
                let length = params["length"]?.intValue.map { Int(clamping: $0) } ?? self.configuration.chunkBytes
                let bytes = try await self.outbox.chunk(id: id, offset: offset, length: length)
                return ["offset": .int(offset), "data": .string(Data(bytes).base64EncodedString())]
            }
        }
        await mesh.serve("sync/status") { [self] _, caller in
            guard caller != .anonymous else { return .failure(Self.membersOnly) }
            return await self.answer { try await self.status() }
        }
        await mesh.observe("sync/push") { [self] params, peer in
            await self.receivePush(params, from: peer)
        }
        await mesh.onMemberChange { [self] member in
            Task { await self.memberChanged(member.id, alive: member.state == .alive) }
        }
    }

    static let membersOnly = JSONRPCError(code: -32003, message: "sync methods answer mesh members only")

    /// This node's log position, vector and clock: a peer compares it with what it holds.
    func digest() async throws -> JSONValue {
        ["epoch": .string(store.epoch), "head": .int(try await store.head()), "vector": try await store.vector().json,
         "now_ms": .int(Int64(clamping: store.clock.wallMilliseconds)), "schema": .int(Int64(store.schemaVersion)),
         "bootstrapping": .bool(bootstrapPending)]
    }

    nonisolated func answer(_ body: () async throws -> JSONValue) async -> Result<JSONValue, JSONRPCError> {
        do {
            return .success(try await body())
        } catch let error as SyncError where error.code == .malformed {
            return .failure(JSONRPCError(code: JSONRPCError.invalidParamsCode, message: error.message))
        } catch let error as SyncError where error.code == .snapshot {
            return .failure(JSONRPCError(code: -32004, message: error.message))
        } catch {
            return .failure(JSONRPCError(code: JSONRPCError.internalErrorCode, message: "sync: \(error)"))
        }
    }
}
