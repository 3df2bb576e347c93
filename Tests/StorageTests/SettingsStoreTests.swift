import Storage
import Testing

@Suite struct SettingsStoreTests {
    @Test func setGetOverwriteRemove() async throws {
        try await withDatabase { database, _ in
            let store = SettingsStore(database: database)
            #expect(try await store.get("gateway.port") == nil)
            try await store.set("gateway.port", "8080")
            try await store.set("gateway.port", "9090")
            try await store.set("name", "ünïcode")
            #expect(try await store.get("gateway.port") == "9090")
            #expect(try await store.all() == ["gateway.port": "9090", "name": "ünïcode"])
            try await store.remove("gateway.port")
            #expect(try await store.get("gateway.port") == nil)
        }
    }
}
