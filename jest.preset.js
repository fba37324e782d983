const nxPreset = require('@nx/jest/preset').nxPreset;

module.exports = { ...nxPreset };
