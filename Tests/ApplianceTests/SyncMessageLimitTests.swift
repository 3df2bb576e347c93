import Net
import Storage
import Sync
import Testing

/// What a peer's sync messages may carry before they are refused as malformed.
@Suite("sync message limits")
struct SyncMessageLimitTests {
    @Test func versionVectorsAreBoundedInOriginsAndNames() throws {
        let fine = JSONValue.object(Dictionary(uniqueKeysWithValues: (0..<VersionVector.maxOrigins).map { ("node-\($0)", JSONValue.int(1)) }))
        #expect(try VersionVector(json: fine).entries.count == VersionVector.maxOrigins)
        var tooMany = fine.objectValue ?? [:]
        tooMany["node-extra"] = .int(1)
        #expect(throws: SyncError.self) { try VersionVector(json: .object(tooMany)) }
        #expect(throws: SyncError.self) { try VersionVector(json: ["": 1]) }
        #expect(throws: SyncError.self) { try VersionVector(json: .object([String(repeating: "n", count: 65): .int(1)])) }
        #expect(throws: SyncError.self) { try VersionVector(json: ["node-a": -1]) }
    }
}
