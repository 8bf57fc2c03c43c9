/** Stripe caps a metadata value, and so a shop's order id (`metadata.order_id`), at 500 characters. */
export const ORDER_ID_MAX = 500;

/** Whether an order id is within Stripe's cap, counting characters as Stripe does (code points, not
 * UTF-16 units): at most 2,000 bytes, which the order id indexes hold. */
export const orderIdFits = (orderId: string): boolean =>
  orderId.length <= ORDER_ID_MAX || [...orderId].length <= ORDER_ID_MAX;
