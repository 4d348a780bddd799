/// <reference types="vitest/config" />
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The Django service serves the build under /dashboard/ (saleor_distribution/dashboard/),
// so no Node runs in production.
const outDir = fileURLToPath(new URL("../saleor_distribution/dashboard/build", import.meta.url));

export default defineConfig({
  base: "/dashboard/",
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
  test: {
    environment: "jsdom",
    globals: true,
    setupFiles: ["./src/test/setup.ts"],
    include: ["src/**/*.test.{ts,tsx}"],
    css: false,
  },
});
