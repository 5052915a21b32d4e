/**
 * A module that fails to import: the devices test passes it to importOnDevices
 * to check that the failure is reported naming the module and the device.
 */
export {};

throw new Error("this module refuses to load");
