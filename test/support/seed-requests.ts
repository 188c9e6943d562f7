/** The request bodies of the seeds' curl examples, verbatim. */
export const CREDIT_SEED_REQUEST = {
  income: 50000,
  age: 35,
  credit_history: "good",
  loan_amount: 10000,
  employment_years: 5,
};

export const RATING_SEED_REQUEST = {
  user_id: 1,
  item_id: 1,
  user_age: 25,
  user_gender: "M",
  item_category: "A",
  item_price: 50.0,
};
