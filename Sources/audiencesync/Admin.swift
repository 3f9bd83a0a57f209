import ArgumentParser
import Core
import Foundation
import Storage
import Web

/// `audiencesync admin …`: account administration from the shell.
struct Admin: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Administer workspaces and users.", subcommands: [CreateUser.self])
}

/// `audiencesync admin create-user --workspace NAME --email E --password-stdin --role admin`.
struct CreateUser: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-user", abstract: "Create a dashboard user (and the workspace, when new). The password is read from standard input.")
    @OptionGroup var options: GlobalOptions
    @Option(help: "The workspace's name; created when no workspace has it.") var workspace: String
    @Option(help: "The user's email.") var email: String
    @Flag(help: "Read the password from standard input (the only way: it never appears in the process list).") var passwordStdin = false
    @Option(help: "admin or member.") var role: String = "member"
    @Flag(help: "If the user exists in this workspace, replace the password and role instead of failing.") var replaceExisting = false

    func validate() throws {
        guard passwordStdin else { throw ValidationError("--password-stdin is required: pass the password on standard input.") }
        guard Role(rawValue: role) != nil else { throw ValidationError("--role must be admin or member.") }
        if let problem = AccountRules.workspaceNameProblem(workspace) { throw ValidationError("--workspace: \(problem)") }
        guard AccountRules.isPlausibleEmail(AccountRules.normalizeEmail(email)) else { throw ValidationError("--email: not an email address.") }
    }

    func run() throws {
        let password = (readLine(strippingNewline: true) ?? "")
        if let problem = AccountRules.passwordProblem(password) { throw ValidationError("password: \(problem)") }
        let config = try Settings.load(options)
        try Settings.prepareDataDirectory(config)
        let store = try Store(path: config.databasePath, busyTimeout: Store.toolBusyTimeout)
        let user = try store.createUser(workspaceName: workspace.trimmingCharacters(in: .whitespaces),
                                        email: AccountRules.normalizeEmail(email), passwordHash: PasswordHasher().hash(password),
                                        role: Role(rawValue: role)!, replaceExisting: replaceExisting, now: Date())
        print("user \(user.email) (\(user.role.rawValue)) in workspace \(workspace) is ready")
    }
}
