/// A profile's raw standard attributes, as the app stores them: all optional strings, `dateOfBirth`
/// as "YYYY-MM-DD". Nothing here is normalized; partner rules do that.
public struct ProfileIdentifiers: Sendable, Equatable {
    public var email: String?
    public var phone: String?
    public var firstName: String?
    public var lastName: String?
    public var gender: String?
    /// "YYYY-MM-DD".
    public var dateOfBirth: String?
    public var city: String?
    public var state: String?
    public var zip: String?
    public var country: String?
    /// Apple's advertising identifier.
    public var idfa: String?
    /// Google's advertising identifier (Android).
    public var gaid: String?
    /// The app's own stable user id.
    public var externalID: String?
    /// `ad_user_data_consent` as text ("true", "false", "granted", "denied"), nil when absent.
    public var adUserDataConsent: String?
    /// `ad_personalization_consent` as text, nil when absent.
    public var adPersonalizationConsent: String?
    /// Meta's data processing options as text: "LDU" when the profile asks for Limited Data Use, nil when absent.
    public var dataProcessingOptions: String?

    /// A profile; every attribute defaults to missing.
    public init(email: String? = nil, phone: String? = nil, firstName: String? = nil, lastName: String? = nil,
                gender: String? = nil, dateOfBirth: String? = nil, city: String? = nil, state: String? = nil,
                zip: String? = nil, country: String? = nil, idfa: String? = nil, gaid: String? = nil,
                externalID: String? = nil, adUserDataConsent: String? = nil, adPersonalizationConsent: String? = nil,
                dataProcessingOptions: String? = nil) {
        self.email = email; self.phone = phone; self.firstName = firstName; self.lastName = lastName
        self.gender = gender; self.dateOfBirth = dateOfBirth; self.city = city; self.state = state
        self.zip = zip; self.country = country; self.idfa = idfa; self.gaid = gaid; self.externalID = externalID
        self.adUserDataConsent = adUserDataConsent; self.adPersonalizationConsent = adPersonalizationConsent
        self.dataProcessingOptions = dataProcessingOptions
    }

    /// The raw value feeding `field`: the date of birth split into its parts, the first initial taken
    /// from the first name (normalization picks the letter), the mobile id from IDFA or else GAID.
    public func rawValue(for field: IdentifierField) -> String? {
        switch field {
        case .email: email
        case .phone: phone
        case .firstName, .firstInitial: firstName
        case .lastName: lastName
        case .city: city
        case .state: state
        case .zip: zip
        case .country: country
        case .gender: gender
        case .birthYear: dateOfBirth.flatMap(Normalize.dateParts)?.year
        case .birthMonth: dateOfBirth.flatMap(Normalize.dateParts)?.month
        case .birthDay: dateOfBirth.flatMap(Normalize.dateParts)?.day
        case .mobileAdvertiserID: [idfa, gaid].compactMap { $0 }.first { !Normalize.trimmed($0).isEmpty }
        case .externalID: externalID
        case .adUserDataConsent: adUserDataConsent
        case .adPersonalizationConsent: adPersonalizationConsent
        case .dataProcessingOptions: dataProcessingOptions
        }
    }
}

extension ProfileIdentifiers {
    /// Meta's data processing options from a profile's attributes, as the text the rules read: `data_processing_options`
    /// as a string ("LDU") or an array of strings (joined with ","), or "LDU" when Braze's `limited_data_use` is
    /// `true` (or the text "true"). nil when neither says anything; the rules decide whether "LDU" is among the values.
    public static func dataProcessingOptions(_ attributes: [String: ProfileValue]) -> String? {
        var options: [String] = []
        switch attributes["data_processing_options"] {
        case .string(let text)?: options.append(text)
        case .array(let items)?: options += items.compactMap { if case .string(let text) = $0 { text } else { nil } }
        default: break
        }
        switch attributes["limited_data_use"] {
        case .bool(true)?: options.append(FacebookIdentifiers.limitedDataUse)
        case .string(let text)? where Normalize.trimmed(text).lowercased() == "true": options.append(FacebookIdentifiers.limitedDataUse)
        default: break
        }
        return options.isEmpty ? nil : options.joined(separator: ",")
    }
}
