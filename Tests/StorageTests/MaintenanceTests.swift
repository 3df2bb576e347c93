import FoundationEssentials
import Storage
import Testing

@Suite struct MaintenanceTests {
    @Test func integrityCheckOnHealthyDatabase() async throws {
        try await withDatabase { database, _ in
            let findings = try await database.integrityCheck()
            #expect(findings == ["ok"])
        }
    }

    @Test func backupOpensPassesIntegrityAndHoldsRows() async throws {
        try await withDatabase { database, path in
            let settings = SettingsStore(database: database)
            for i in 0..<50 { try await settings.set("key.\(i)", "value \(i)") }
            let identity = try await NodeIdentity.loadOrCreate(in: database)
            let backupPath = path + ".backup"
            try await database.backup(to: backupPath)

            // Refuses to overwrite what it just wrote.
            #expect(await storageError { try await database.backup(to: backupPath) } != nil)

            let copy = try await Database(path: backupPath)
            #expect(try await copy.integrityCheck() == ["ok"])
            let version = try await database.schemaVersion()
            #expect(try await copy.schemaVersion() == version)
            let copied = try await SettingsStore(database: copy).all()
            #expect(copied.count == 50)
            #expect(copied["key.49"] == "value 49")
            #expect(try await NodeIdentity.loadOrCreate(in: copy).nodeID == identity.nodeID)
            await copy.close()
        }
    }

    @Test func probeWritableCommits() async throws {
        try await withDatabase { database, _ in
            try await database.probeWritable()
            let probe = try await database.read { try $0.scalar("SELECT count(*) FROM settings WHERE key = 'health.probe'")?.int64 }
            #expect(probe == 1)
            #expect(try await SettingsStore(database: database).all().isEmpty)  // health.* stays hidden
        }
    }
}
