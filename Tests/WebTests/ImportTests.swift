import Core
import FastCGI
import Foundation
import Storage
@testable import Sync
import TestSupport
import Testing

/// CSV import of profiles through the real responder and store: the upload, the header check, valid and invalid
/// rows, the rejected-rows report, re-imports, and a resumed import that neither loses nor repeats a row.
@Suite struct ImportTests {
    let test: TestApp
    let browser: TestBrowser

    init() throws {
        test = try TestApp()
        try test.createUser(workspace: "Acme", email: "admin@acme.test")
        try test.createUser(workspace: "Acme", email: "member@acme.test", role: .member)
        browser = test.browser()
        browser.signIn("admin@acme.test")
    }

    func upload(_ csv: String, filename: String = "users.csv", as user: TestBrowser? = nil) -> Response {
        let browser = user ?? self.browser
        browser.get("/settings/imports")
        let boundary = "----AudienceSyncTest7MA4YWxkTrZu0gW"
        var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(browser.lastCSRFToken ?? "")\r\n"
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"C:\\\\exports\\\\\(filename)\"\r\nContent-Type: text/csv\r\n\r\n"
        body += csv + "\r\n--\(boundary)--\r\n"
        return browser.send(Request(method: "POST", path: "/settings/imports", headers: ["content-type": "multipart/form-data; boundary=\(boundary)"],
                                    body: Array(body.utf8)))
    }

    func importer(batchSize: Int = 2_000) -> ProfileImporter {
        let clock = test.clock
        return ProfileImporter(store: test.store, now: { clock.now }, logger: .init(label: "test"), batchSize: batchSize)
    }

    func attributes(_ id: String) throws -> [String: ProfileValue] {
        let profile = try #require(try test.store.profile(workspaceID: 1, externalID: id))
        return try #require(ProfileValue.parseObject(json: profile.attributesJSON))
    }

    @Test func validRowsAreImportedAndRejectedOnesReportedWithTheirLineAndReason() throws {
        let csv = """
            external_id,email,country,ads_tracking_enabled,visits
            u1,Mary@Example.com,US,true,3
            u2,not-an-email,FR,no,1
            u3,c@d.co,"Côte d'Ivoire",maybe,2
            ,e@f.co,US,true,1
            u5,g@h.co,DE
            u6,i@j.co,,false,007
            """
        let started = upload(csv)
        #expect(started.status == 303)
        let id = try #require(trailingID(started))
        #expect(browser.get("/settings/imports/\(id)").text.contains(#"id="import-status" data-status>Importing"#))
        while importer().hasWork() { importer().run(for: 5) }

        #expect(try attributes("u1") == ["email": .string("mary@example.com"), "country": .string("US"), "ads_tracking_enabled": .bool(true), "visits": .number(3)])
        #expect(try attributes("u6")["visits"] == .string("007") && attributes("u6")["country"] == nil)
        // Lenient: a bad cell leaves that attribute out; the row is stored with the others.
        #expect(try attributes("u2") == ["country": .string("FR"), "ads_tracking_enabled": .bool(false), "visits": .number(1)])
        #expect(try attributes("u3") == ["email": .string("c@d.co"), "country": .string("CI"), "visits": .number(2)])
        let page = browser.get("/settings/imports/\(id)").text
        #expect(page.contains(#"id="import-status" data-status>Finished"#) && page.contains("6 rows read · 4 imported · 2 rejected"))
        // A finished import's bar is full and says so beside it, with the count (the bar alone looked 17 % done).
        #expect(page.contains(#"<progress id="import-progress" value="100" max="100""#))
        #expect(page.contains(#"<span class="progress-figure" id="import-progress-figure">100 % · 6 rows read</span>"#))
        let report = browser.get("/settings/imports/\(id)/rejected.csv")
        #expect(report.header("Content-Type") == "text/csv; charset=utf-8" && report.header("Content-Disposition")?.contains("attachment") == true)
        let lines = report.text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 5 && lines[0] == "line,external_id,reason")
        #expect(lines[1].hasPrefix(#"3,u2,"Stored without this cell: email:"#))
        #expect(lines[2].hasPrefix("4,u3,") && lines[2].contains("ads_tracking_enabled: Use true or false."))
        #expect(lines[3].hasPrefix("5,,") && lines[3].contains("external_id is required"))
        #expect(lines[4] == "6,u5,This row has 3 cells; the header has 5.")
        #expect(browser.get("/settings/imports").text.contains("users.csv"))
    }

    @Test func theDemoCSVImportsItsFiveHundredUsersAndReportsItsTwoMistakes() throws {
        let demo = try String(contentsOfFile: ProjectPaths.publicFiles + "/demo-users.csv", encoding: .utf8)
        let id = try #require(trailingID(upload(demo, filename: "demo-users.csv")))
        while importer().hasWork() { importer().run(for: 5) }
        let job = try test.store.profileImport(workspaceID: 1, id: id)
        // Both mistakes are one bad cell each: the users are stored without it, and the cells are reported.
        #expect(job.status == "done" && job.rowsImported == 502 && job.rowsRejected == 0)
        #expect(!browser.get("/settings/imports/\(id)").text.contains(#"id="import-rejects" hidden"#))
        let report = browser.get("/settings/imports/\(id)/rejected.csv").text
        #expect(report.contains(#"demo-501,"Stored without this cell: email:"#)
                && report.contains("demo-502,Stored without this cell: ads_tracking_enabled: Use true or false."))
    }

    @Test func aReimportedRowUpdatesTheSameUserAndEmptyCellsLeaveAttributesAlone() throws {
        _ = upload("external_id,email,plan\nu1,a@b.co,free\n")
        while importer().hasWork() { importer().run(for: 5) }
        _ = upload("external_id,email,plan\nu1,,gold\n")
        while importer().hasWork() { importer().run(for: 5) }
        #expect(try attributes("u1") == ["email": .string("a@b.co"), "plan": .string("gold")])
        #expect(try test.store.profileCount(workspaceID: 1) == 1)
    }

    @Test func aFileWithoutAUsableHeaderIsRefusedNextToTheFieldAndNothingStarts() throws {
        let missing = upload("email,country\na@b.co,US\n")
        #expect(missing.status == 422 && missing.text.contains(#"id="file-error">The first row must name the columns, one of them external_id."#))
        let empty = upload("")
        #expect(empty.status == 422 && empty.text.contains("Choose a CSV file to upload."))
        #expect(try test.store.profileImports(workspaceID: 1).isEmpty)
        let folder = test.config.importsDirectory
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).isEmpty)
        // Members cannot import.
        let member = test.browser()
        member.signIn("member@acme.test")
        #expect(member.get("/settings/imports").status == 403)
    }

    @Test func anImportStoppedPartWayResumesWithoutLosingRepeatingOrReportingARowTwice() throws {
        let rows = (1...25).map { i in i % 5 == 0 ? ",no-id-\(i)@example.com" : "u\(i),user\(i)@example.com" }
        let id = try #require(trailingID(upload("external_id,email\n" + rows.joined(separator: "\n") + "\n")))
        // Three batches of four, then the process "dies".
        #expect(importer(batchSize: 4).run(for: 5, maxBatches: 3) == 12)
        let stopped = try test.store.profileImport(workspaceID: 1, id: id)
        #expect(stopped.status == "running" && stopped.rowsImported == 10 && stopped.rowsRejected == 2 && stopped.nextLine == 14)
        // A new importer after the restart.
        let resumed = importer(batchSize: 4)
        while resumed.hasWork() { resumed.run(for: 5) }
        let done = try test.store.profileImport(workspaceID: 1, id: id)
        #expect(done.status == "done" && done.rowsImported == 20 && done.rowsRejected == 5)
        #expect(try test.store.profileCount(workspaceID: 1) == 20)
        let report = browser.get("/settings/imports/\(id)/rejected.csv").text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(report.dropFirst().map { $0.components(separatedBy: ",")[0] } == ["6", "11", "16", "21", "26"])
        #expect(!FileManager.default.fileExists(atPath: done.path))      // the upload is deleted once imported
    }
}
