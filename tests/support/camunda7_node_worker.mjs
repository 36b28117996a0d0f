// A worker written against Camunda 7 with its official Node.js client, run unchanged on Kontor.
// node camunda7_node_worker.mjs BASE_URL TOKEN WORKER_ID: serves the invoice model's topics as
// camunda7_python_worker.py does (outcome complete, fail or error; booking records the types).
import {
  BasicAuthInterceptor,
  Client,
  Variables,
} from "camunda-external-task-client-js";

const [baseUrl, token, workerId] = process.argv.slice(2);
const client = new Client({
  baseUrl,
  workerId,
  interceptors: new BasicAuthInterceptor({ username: "worker", password: token }),
  maxTasks: 1,
  lockDuration: 60000,
  asyncResponseTimeout: 2000,
  autoPoll: false,
});

client.subscribe("check-invoice", async ({ task, taskService }) => {
  const outcome = task.variables.get("outcome");
  if (outcome === "fail") {
    const retries = task.retries === null ? 2 : task.retries - 1;
    await taskService.handleFailure(task, {
      errorMessage: "Buchhaltung nicht erreichbar",
      errorDetails: "connection refused",
      retries,
      retryTimeout: 0,
    });
  } else if (outcome === "error") {
    const variables = new Variables().set("reason", "budget");
    await taskService.handleBpmnError(task, "NO_BUDGET", "Budget erschöpft", variables);
  } else {
    const variables = new Variables()
      .set("approved", true)
      .set("fee", 19.99)
      .set("amountCents", 2 ** 40)
      .set("checkedAt", new Date("2026-06-30T19:44:30.000Z"));
    await taskService.complete(task, variables);
  }
});

client.subscribe("book-invoice", async ({ task, taskService }) => {
  const fee = task.variables.getTyped("fee");
  const checked = task.variables.getTyped("checkedAt");
  const variables = new Variables()
    .set("feeType", fee.type)
    .set("feeSeen", fee.value)
    .set("checkedAtType", checked.type)
    .set("worker", workerId);
  await taskService.complete(task, variables);
});

client.start();
console.log("subscribed");
