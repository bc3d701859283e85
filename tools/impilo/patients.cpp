// `impilo patients create|ensure|find|get|list|update` (spec section 10, docs/patients.md).
//
// Output and exit codes are those of the orders commands: the created, fetched or updated Patient
// as JSON, a page envelope or (with --all) an array for list, an array for find. Nothing here
// writes patient data to stderr: failures are the library's errors, reported by `run()`.

#include <array>
#include <chrono>
#include <impilo/client.hpp>
#include <impilo/errors.hpp>
#include <impilo/json.hpp>
#include <impilo/models.hpp>
#include <impilo/validation.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "input.hpp"
#include "listing.hpp"

namespace impilo::cli {

namespace {

/// `--file PATH|-`, the patient as JSON.
Flag file_flag(std::optional<std::string>& file) {
  return {"--file", true, [&file](const std::string& v) { file = v; }};
}

/// @throws impilo::UsageError naming @p command when `--file` was not given.
void require_file(const std::optional<std::string>& file, std::string_view command) {
  if (!file) {
    throw UsageError(std::string(command) + " needs --file PATH (or --file - for stdin)");
  }
}

void print_patient(Context& ctx, const Patient& patient) {
  print_json(ctx.out, nlohmann::json(patient));
}

/// Decodes the `--file` input (input.hpp), and warns about each member the SDK does not model,
/// as order files do: sent as it is, but usually a misspelling the server ignores.
Patient decode_patient(Context& ctx, const std::string& text) {
  Patient patient = patient_from_input(text);
  for (const UnknownMember& member : unknown_members(patient)) warn(ctx.err, member.message);
  return patient;
}

/// The sort key named @p text on the wire (`firstName`), by the library's own names.
PatientSort parse_sort(const std::string& text) {
  constexpr std::array<PatientSort, 3> sorts{PatientSort::first_name, PatientSort::last_name,
                                             PatientSort::patient_id};
  for (const PatientSort sort : sorts) {
    if (to_string(sort) == text) return sort;
  }
  throw UsageError("--sort must be firstName, lastName or patientId, got '" + text + "'");
}

void create(Context& ctx, Args& args) {
  std::optional<std::string> file;
  expect_no_positionals(args.rest({file_flag(file)}, ctx), "patients create");
  require_file(file, "patients create");
  // Usage problems (no key) first, before reading stdin.
  const Client client = ctx.make_client();
  // Validated by the library first: nothing is sent if the patient breaks a rule.
  print_patient(ctx, client.create_patient(decode_patient(ctx, read_input(*file))));
}

void ensure(Context& ctx, Args& args) {
  std::optional<std::string> file;
  std::optional<std::chrono::milliseconds> settle_delay;
  expect_no_positionals(args.rest({file_flag(file), settle_delay_flag(settle_delay)}, ctx),
                        "patients ensure");
  require_file(file, "patients ensure");
  ClientOptions options = ctx.client_options();
  if (settle_delay) options.settle_delay = *settle_delay;
  const Client client(std::move(options));
  print_patient(ctx, client.ensure_patient(decode_patient(ctx, read_input(*file))));
}

void find(Context& ctx, Args& args) {
  std::optional<std::string> identifier;
  expect_no_positionals(args.rest({{"--external-identifier", true,
                                    [&identifier](const std::string& v) { identifier = v; }}},
                                  ctx),
                        "patients find");
  if (!identifier || identifier->empty()) {
    throw UsageError("patients find needs --external-identifier X (a non-empty identifier)");
  }
  nlohmann::json patients = nlohmann::json::array();
  for (const Patient& patient :
       ctx.make_client().find_patients_by_external_identifier(*identifier)) {
    patients.push_back(patient);
  }
  print_json(ctx.out, patients);
}

void get(Context& ctx, Args& args) {
  const std::int64_t id = single_id(args.rest({}, ctx), "patients get", "patient ID");
  print_patient(ctx, ctx.make_client().get_patient(id));
}

void list(Context& ctx, Args& args) {
  ListPatientsParams params;
  bool all = false;
  std::vector<Flag> flags = paging_flags(params.page, params.size, all);
  flags.push_back({"--external-identifier", true,
                   [&params](const std::string& v) { params.external_identifiers.push_back(v); }});
  flags.push_back(integer_list_flag("--site-id", params.site_ids));
  flags.push_back({"--email", true, [&params](const std::string& v) { params.email = v; }});
  flags.push_back({"--name", true, [&params](const std::string& v) { params.name = v; }});
  flags.push_back(boolean_flag("--archived", params.archived));
  flags.push_back(boolean_flag("--enrolled", params.enrolled));
  flags.push_back(
      {"--sort", true, [&params](const std::string& v) { params.sort = parse_sort(v); }});
  flags.push_back(
      {"--descending", false, [&params](const std::string&) { params.sort_descending = true; }});
  expect_no_positionals(args.rest(flags, ctx), "patients list");
  const Client client = ctx.make_client();
  print_listing(
      ctx, all, [&] { return client.list_patients(params); },
      [&] { return client.patients(params); });
}

void update(Context& ctx, Args& args) {
  std::optional<std::string> file;
  const std::int64_t id =
      single_id(args.rest({file_flag(file)}, ctx), "patients update", "patient ID");
  require_file(file, "patients update");
  const Client client = ctx.make_client();
  print_patient(ctx, client.update_patient(id, decode_patient(ctx, read_input(*file))));
}

constexpr std::string_view patient_file_flag =
    "Flags:\n"
    "  --file PATH|-   the patient as JSON (a Patient: firstName, lastName, address, ...);\n"
    "                  - reads stdin\n";

constexpr std::string_view patient_rules =
    "The patient is checked first, with every rule that needs no server: non-blank firstName\n"
    "and lastName, an address with lineOne, city, state, zipCode and country, a dateOfBirth\n"
    "(YYYY-MM-DD) not after today, an email with one @, a known sex. Input that is not JSON,\n"
    "not a patient, or breaks a rule exits 3 and sends nothing.\n";

}  // namespace

const std::vector<Command>& patients_commands() {
  static const std::vector<Command> table{
      {"create",
       "  patients create --file PATH|-      validate, then POST; print the created Patient as\n"
       "                                     JSON\n",
       std::string(patient_rules) +
           "A patient carrying an id is refused (a create makes a new patient). A create that may\n"
           "have reached the server is never repeated: after exit 8 or 9 look for the patient\n"
           "(patients find) before creating it again, or use patients ensure.\n"
           "\n" +
           std::string(patient_file_flag),
       create},
      {"ensure",
       "  patients ensure --file PATH|- [--settle-delay MS]\n"
       "                                     print the patient with the file's\n"
       "                                     externalIdentifier, created when there is none\n",
       "Looks the file's externalIdentifier up and prints the patient that has it (the lowest id\n"
       "when several do; it is not updated), or creates the patient from the file and prints it:\n"
       "the way from an EHR id to an Impilo patient id, safe to rerun. A create whose outcome is\n"
       "unknown is looked up again, never sent twice; exit 11 (ambiguous, with \"external_id\" in\n"
       "the stderr object) when it still cannot tell: run patients ensure again later. Two runs\n"
       "at the same moment for the same new identifier can still create two patients (the API\n"
       "does not make the identifier unique): serialize them.\n" +
           std::string(patient_rules) +
           "The externalIdentifier is required, and an id is refused.\n"
           "\n" +
           std::string(patient_file_flag) +
           "  --settle-delay MS   the wait before the first lookup of a create whose outcome is\n"
           "                      unknown, in milliseconds (then twice, then four times as\n"
           "                      long); default 2000\n",
       ensure},
      {"find",
       "  patients find --external-identifier X\n"
       "                                     print a JSON array of the patients carrying X\n",
       "Prints a JSON array (maybe empty, exit 0) of every patient whose externalIdentifier is\n"
       "exactly X, by ascending id. The API does not make the identifier unique: there may be\n"
       "more than one.\n"
       "\n"
       "Flags:\n"
       "  --external-identifier X   the identifier to look for (non-empty)\n",
       find},
      {"get", "  patients get ID                    print the Patient as JSON\n",
       "Prints the patient with id ID, everything the server sent included.\n"
       "\n"
       "Arguments:\n"
       "  ID   the patient's id, a positive whole number (exit 7, not_found, if there is none)\n",
       get},
      {"list",
       "  patients list [--page N] [--size N] [--all] [--external-identifier X]...\n"
       "                [--site-id N]... [--email E] [--name N] [--archived true|false]\n"
       "                [--enrolled true|false] [--sort firstName|lastName|patientId]\n"
       "                [--descending]\n"
       "                                     the page envelope as JSON; with --all a JSON array\n"
       "                                     of every patient from --page on\n",
       "Flags:\n"
       "  --page N                  1-based page number; default 1\n"
       "  --size N                  patients per page, 1 to 250; default 15\n"
       "  --all                     print one JSON array of every patient from --page on,\n"
       "                            fetching page after page, each patient printed as it\n"
       "                            arrives (a failure on a later page leaves the patients\n"
       "                            already printed and the array unterminated)\n"
       "  --external-identifier X   only patients with this identifier; repeat for several\n"
       "  --site-id N               only patients of this site; repeat for several\n"
       "  --email E                 only patients with this email\n"
       "  --name N                  only patients with this name\n"
       "  --archived true|false     only archived, or only not archived, patients\n"
       "  --enrolled true|false     only enrolled, or only not enrolled, patients\n"
       "  --sort KEY                order by firstName, lastName or patientId\n"
       "  --descending              in descending order\n",
       list},
      {"update",
       "  patients update ID --file PATH|-   validate, then PUT: replace the whole patient;\n"
       "                                     print it as updated\n",
       "Replaces the patient with id ID by the file's patient: a field the file leaves out is\n"
       "sent as absent, and the server may clear it (start from patients get). The file's id, if\n"
       "any, must be ID. Exit 7, not_found, when there is no such patient.\n" +
           std::string(patient_rules) + "\n" + std::string(patient_file_flag) +
           "\n"
           "Arguments:\n"
           "  ID   the patient's id, a positive whole number\n",
       update},
  };
  return table;
}

}  // namespace impilo::cli
