// An order for a patient Impilo does not know yet: the patient is created with the order, so it
// needs names and a complete address. The new patient's id can be used for later orders.

#include <impilo/impilo.hpp>

#include <iostream>

int main() {
  try {
    impilo::Client client(impilo::ClientOptions::from_env());

    impilo::Patient patient;
    patient.first_name = "Thandiwe";
    patient.last_name = "Mokoena";
    patient.date_of_birth = "1958-04-12";
    patient.sex = impilo::SexValue::female;
    patient.external_identifier = "ehr-778812";
    impilo::Address address;
    address.line_one = "12 Jacaranda Street";
    address.city = "Springfield";
    address.state = "IL";
    address.zip_code = "62701";
    address.country = "US";
    patient.address = address;
    patient.site = impilo::Site::with_id(11);  // optional: the site that looks after the patient

    impilo::CreateOrderRequest request;
    request.patient = patient;
    request.order_items = {impilo::OrderItem::of(1000, 1)};
    request.shipping_option = impilo::ShippingOptionValue::standard;

    const impilo::Order order = client.create_order(request);
    const std::int64_t patient_id = *order.patient->id;
    std::cout << "Order " << *order.id << " created patient " << patient_id << "\n";

    // The patient now exists: later orders need only the id.
    impilo::CreateOrderRequest again;
    again.patient = impilo::Patient::with_id(patient_id);
    again.order_items = {impilo::OrderItem::of(1004, 2)};
    std::cout << "Follow-up order " << *client.create_order(again).id << " for patient "
              << patient_id << "\n";
    return 0;
  } catch (const impilo::ValidationError& e) {
    for (const auto& v : e.violations()) std::cerr << v.field << ": " << v.message << "\n";
    return 1;
  } catch (const impilo::Error& e) {
    std::cerr << "new-patient order failed: " << e.what() << "\n";
    return 1;
  }
}
