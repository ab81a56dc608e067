export * from "./feed.js";
export * from "./alerts.js";
export * from "./config.js";
export * from "./positions.js";
export * from "./retry-queue.js";
export * from "./tracker.js";
export * from "./pipeline.js";
